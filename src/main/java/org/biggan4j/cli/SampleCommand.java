package org.biggan4j.cli;

import org.biggan4j.run.SamplingJob;
import org.biggan4j.sample.Interpolation;
import org.biggan4j.sample.TrainedGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j sample}: images from a trained generator (G_ema by default) as a labelled
 * classes x samples sheet, PNG files and/or a .npy array, with the truncation trick, standing
 * statistics and exact inputs from files.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Sample a trained generator (G_ema when the checkpoint has one) into a sheet, PNG files "
                + "and/or a .npy array of [N, C, H, W] float32 in [-1, 1].",
                "Examples: biggan4j sample runs/demo --sheet sheet.png --truncation 0.7",
                "          biggan4j sample runs/demo --class sneaker --n 16 --out sneakers/"})
public final class SampleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder (its newest checkpoint) or a .b4j checkpoint.")
    Path checkpoint;

    @Option(names = "--sheet", paramLabel = "FILE", description = "Write a sheet PNG: one row per class, --columns samples each.")
    Path sheet;

    @Option(names = "--out", paramLabel = "DIR", description = "Write each sample as DIR/sample-NNNNN-<class>.png.")
    Path outDir;

    @Option(names = "--npy", paramLabel = "FILE", description = "Write all samples as one .npy array [N, C, H, W] float32.")
    Path npy;

    @Option(names = "--labels-npy", paramLabel = "FILE", description = "Write the class of every sample as .npy int64 [N].")
    Path labelsNpy;

    @Option(names = {"-n", "--n"}, paramLabel = "N", description = "Samples for --out/--npy (default: 64; a sheet "
            + "has rows x columns).")
    Integer count;

    @Option(names = "--classes", paramLabel = "IDS", description = "Class ids: 3,5,7 or 0-9 (samples cycle through them), or one class "
            + "mixture id:weight,... such as 207:0.5,409:0.5 for every sample (needs a shared class embedding).")
    String classIds;

    @Option(names = "--class", paramLabel = "NAME", description = "A class by name, synonym or WordNet id (repeatable; "
            + "case-insensitive; a unique part of a name is enough; a name several classes share needs the id).")
    List<String> classNames = new ArrayList<>();

    @Option(names = "--truncation", paramLabel = "T", defaultValue = "0",
            description = "Truncation threshold: resample every |z_i| > T (BigGAN section 3.1); 0 = none (default). For "
                    + "imported BigGAN-deep models T is in (0, 1] and follows their convention: z = T * truncnorm(-2, 2), "
                    + "and T chooses their BatchNorm statistics.")
    double truncation;

    @Option(names = "--standing-stats", paramLabel = "K", defaultValue = "-1",
            description = "BatchNorm statistics to sample with (BigGAN appendix C): -1 (default) = those stored in the "
                    + "checkpoint for this truncation by 'biggan4j standing-stats', else a pass over "
                    + TrainedGenerator.DEFAULT_STANDING_BATCHES + " noise batches; K > 0 = a fresh pass over K batches "
                    + "of --standing-batch; 0 = the running statistics of G's training.")
    int standingBatches;

    @Option(names = "--standing-batch", paramLabel = "B", defaultValue = "64",
            description = "Batch size of the standing-statistics pass (default: ${DEFAULT-VALUE}).")
    int standingBatch;

    @Option(names = "--z", paramLabel = "FILE", description = "Exact latents: a .npy float array [N, latent dim].")
    Path zFile;

    @Option(names = "--columns", paramLabel = "C", defaultValue = "10", description = "Sheet columns (default: ${DEFAULT-VALUE}).")
    int columns;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "50", description = "Generator batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--no-ema", description = "Use G's own weights even when the checkpoint has G_ema.")
    boolean noEma;

    @Option(names = "--interpolate", paramLabel = "z|class",
            description = "Write an interpolation sheet to --sheet: 'z' = one row per class, --steps images between two "
                    + "latents; 'class' = one row per consecutive pair of the chosen classes, the class embedding "
                    + "moving linearly from one to the next with z fixed (BigGAN figure 8; needs a shared embedding).")
    String interpolate;

    @Option(names = "--steps", paramLabel = "S", defaultValue = "8", description = "Interpolation steps, end points "
            + "included (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--to-seed", paramLabel = "SEED",
            description = "With --interpolate z: each row runs from its latent of --seed to its latent of this seed "
                    + "(the latents -n R samples draw with each seed), not between two latents of --seed.")
    Long toSeed;

    @Option(names = "--path", paramLabel = "linear|spherical", defaultValue = "linear",
            description = "Path of a z interpolation (default: ${DEFAULT-VALUE}); spherical keeps latent norms typical.")
    String path;

    @Option(names = "--sweep", paramLabel = "T,...", split = ",",
            description = "Write a truncation-sweep sheet to --sheet: one column per threshold (0 = none), the same "
                    + "seed in every column, each with its own standing statistics (BigGAN figure 2a).")
    List<Double> sweep;

    @Option(names = "--neighbours", paramLabel = "K",
            description = "Write a nearest-neighbour sheet to --sheet: each sample, its K nearest training images in "
                    + "pixel space, then (for 1-channel 32 px models) its K nearest in the bundled classifier's "
                    + "feature space (BigGAN appendix D). Dataset indices and distances are printed.")
    Integer neighbours;

    @Option(names = "--data", paramLabel = "PATH", description = "Images for --neighbours (default: the run's "
            + "training data).")
    Path data;

    @Override
    public Integer call() throws IOException {
        SamplingJob.Request request = new SamplingJob.Request(checkpoint, !noEma, sheet, outDir, npy, labelsNpy, count,
                classIds, classNames, truncation, standingBatches, standingBatch, zFile, columns, batch, sheetMode(),
                runtime.seed());
        SamplingJob.Result result = SamplingJob.run(request, runtime.apply());
        PrintWriter w = spec.commandLine().getOut();
        w.println(result.summary());
        result.details().forEach(w::println);
        for (Path p : result.outputs()) {
            w.printf("Wrote %s%n", p.toAbsolutePath());
        }
        w.flush();
        return 0;
    }

    /** The sheet that --interpolate, --sweep or --neighbours asks for, or null for plain samples. */
    private SamplingJob.SheetMode sheetMode() {
        int modes = (interpolate != null ? 1 : 0) + (sweep != null ? 1 : 0) + (neighbours != null ? 1 : 0);
        if (modes > 1) {
            throw new IllegalArgumentException("Choose one of --interpolate, --sweep and --neighbours per run.");
        }
        if (interpolate != null) {
            SamplingJob.Along along = switch (interpolate.strip().toLowerCase(Locale.ROOT)) {
                case "z" -> SamplingJob.Along.LATENT;
                case "class" -> SamplingJob.Along.CLASS;
                default -> throw new IllegalArgumentException("--interpolate takes z or class, got '" + interpolate
                        + "'.");
            };
            return new SamplingJob.InterpolationSheet(along, steps, Interpolation.parse(path), toSeed);
        }
        if (toSeed != null) {
            throw new IllegalArgumentException("--to-seed goes with --interpolate z.");
        }
        if (sweep != null) {
            return new SamplingJob.TruncationSweep(sweep);
        }
        return neighbours != null ? new SamplingJob.NearestNeighbours(neighbours, data) : null;
    }
}
