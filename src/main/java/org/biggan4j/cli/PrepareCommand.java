package org.biggan4j.cli;

import org.biggan4j.data.DataFormatException;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.Packer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code biggan4j prepare}: decode and preprocess a dataset once into a packed, memory-mappable file. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Convert a dataset into one packed file (decoded uint8 images at a fixed resolution) that "
                + "training memory-maps without decoding.",
                "Image files are centre-cropped to a square and area-resampled (BigGAN's preprocessing); unreadable "
                        + "files are skipped with a warning and counted."})
public final class PrepareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DataSourceOptions source;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The packed file to write (e.g. data.bgpack).")
    Path out;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
            description = "Decoding threads; 0 = one per core (default).")
    int workers;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        if (workers < 0) {
            throw new IllegalArgumentException("--workers must be >= 0 (0 = one per core), got " + workers + ".");
        }
        Path in = source.path();
        if (in != null && Files.exists(in) && Files.exists(out) && sameFile(in, out)) {
            throw new IllegalArgumentException("--out " + out + " is the input itself: choose another file name.");
        }
        LabelledImages data = source.open();
        int threads = workers == 0 ? Runtime.getRuntime().availableProcessors() : workers;
        Packer.Summary summary = Packer.pack(data, out, source.sourceName(), threads, !noProgress);
        spec.commandLine().getOut().println(summary.describe());
        return 0;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            throw new DataFormatException("Could not compare " + a + " and " + b + ": " + e.getMessage(), e);
        }
    }
}
