package org.biggan4j.cli;

import org.biggan4j.data.Batches;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.image.ImageSheet;
import org.biggan4j.image.UnreadableImageException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code biggan4j sheet}: a classes x N grid of real images, one row per class. */
@Command(name = "sheet", mixinStandardHelpOptions = true,
        description = "Write a PNG sheet of real images: one row per class (labelled), N random images each.")
public final class SheetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    DataSourceOptions source;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The PNG to write.")
    Path out;

    @Option(names = "--per-class", paramLabel = "N", defaultValue = "8", description = "Images per class (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--max-classes", paramLabel = "K", defaultValue = "20",
            description = "Rows at most: the first K classes (default: ${DEFAULT-VALUE}).")
    int maxClasses;

    @Option(names = "--padding", paramLabel = "PX", defaultValue = "2", description = "Pixels between tiles (default: ${DEFAULT-VALUE}).")
    int padding;

    @Override
    public Integer call() {
        if (perClass < 1 || perClass > 100) {
            throw new IllegalArgumentException("--per-class must be from 1 to 100, got " + perClass + ".");
        }
        if (maxClasses < 1) {
            throw new IllegalArgumentException("--max-classes must be at least 1, got " + maxClasses + ".");
        }
        ComputeDevice device = runtime.apply();
        LabelledImages data = source.open();
        int rows = Math.min(maxClasses, data.classCount());
        List<List<Integer>> members = new ArrayList<>();
        for (int c = 0; c < rows; c++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < data.count(); i++) {
            for (int l : data.labels(i)) {
                if (l < rows) {
                    members.get(l).add(i);
                }
            }
        }
        SplittableRandom random = Seeds.stream(runtime.seed(), "sheet");
        int size = data.imageBytes();
        // Missing tiles (small classes, unreadable files) stay 0, which the sheet shows as black.
        byte[] pixels = new byte[rows * perClass * size];
        int skipped = 0;
        for (int c = 0; c < rows; c++) {
            List<Integer> pool = new ArrayList<>(members.get(c));
            int filled = 0;
            while (filled < perClass && !pool.isEmpty()) {
                int pick = pool.remove(random.nextInt(pool.size()));
                try {
                    data.read(pick, pixels, (c * perClass + filled) * size);
                    filled++;
                } catch (UnreadableImageException e) {
                    skipped++;
                    LoggerFactory.getLogger(SheetCommand.class).warn("Skipping: {}", e.getMessage());
                }
            }
        }
        List<String> labels = data.classNames().subList(0, rows);
        NativeMemory.scoped(() -> ImageSheet.write(
                Batches.images(pixels, rows * perClass, data.channels(), data.resolution(), device), out, perClass,
                padding, labels));
        spec.commandLine().getOut().printf("Wrote %s: %d classes x %d images of %dx%d from %s%s.%n", out, rows, perClass,
                data.resolution(), data.resolution(), source.sourceName(),
                skipped == 0 ? "" : " (" + skipped + " unreadable images skipped)");
        return 0;
    }
}
