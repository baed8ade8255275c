package org.biggan4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ImageSheet;
import org.biggan4j.image.PngFiles;
import org.biggan4j.io.Npy;
import org.biggan4j.sample.ClassMixture;
import org.biggan4j.sample.ClassSelection;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.Sampler;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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
        if (sheet == null && outDir == null && npy == null) {
            throw new IllegalArgumentException("Nothing to write: give --sheet FILE, --out DIR and/or --npy FILE.");
        }
        if (!(truncation >= 0) || Double.isInfinite(truncation)) {
            throw new IllegalArgumentException("--truncation must be >= 0 (0 = none), got " + truncation + ".");
        }
        if (columns < 1 || batch < 1 || standingBatches < -1 || standingBatch < 2 || (count != null && count < 1)) {
            throw new IllegalArgumentException("--columns, --batch and --n must be >= 1, --standing-stats >= -1 and "
                    + "--standing-batch >= 2.");
        }
        int modes = (interpolate != null ? 1 : 0) + (sweep != null ? 1 : 0) + (neighbours != null ? 1 : 0);
        if (modes > 1) {
            throw new IllegalArgumentException("Choose one of --interpolate, --sweep and --neighbours per run.");
        }
        if (modes == 1 && (sheet == null || outDir != null || zFile != null)) {
            throw new IllegalArgumentException("--interpolate, --sweep and --neighbours write a sheet: give --sheet FILE "
                    + "(and optionally --npy FILE), not --out or --z.");
        }
        ComputeDevice device = runtime.apply();
        TrainedGenerator trained = TrainedGenerator.load(checkpoint, !noEma, device);
        var g = trained.generator();
        int classCount = g.numClasses();
        Optional<ClassMixture> mixture = ClassMixture.parse(classIds, classCount);
        if (mixture.isPresent() && (modes == 1 || !classNames.isEmpty() || labelsNpy != null)) {
            throw new IllegalArgumentException("A class mixture (--classes id:weight,...) goes with plain sampling: "
                    + "leave out --class, --labels-npy, --interpolate, --sweep and --neighbours.");
        }
        List<Integer> selected = ClassSelection.parse(mixture.isPresent() ? null : classIds, classNames,
                trained.classNames(), classCount);
        if (modes == 1) {
            return new SampleSheetWriter(trained, selected, device, runtime.seed(), spec.commandLine().getOut())
                    .write(this);
        }

        Tensor z = null;
        int n;
        List<Integer> rowClasses = new ArrayList<>();
        if (zFile != null) {
            z = NativeMemory.keep(Npy.read(zFile, ComputeDevice.CPU));
            long[] shape = Tensors.shape(z);
            if (shape.length != 2 || shape[1] != g.latentDim()) {
                throw new IllegalArgumentException(zFile + " holds an array of shape " + java.util.Arrays.toString(shape)
                        + "; this generator needs [N, " + g.latentDim() + "].");
            }
            n = (int) shape[0];
            if (count != null && count != n) {
                throw new IllegalArgumentException("--n " + count + " disagrees with the " + n + " rows of " + zFile + ".");
            }
        } else if (sheet != null && count == null) {
            if (classCount > 0 && mixture.isEmpty()) {
                rowClasses.addAll(selected.isEmpty() ? defaultRows(classCount) : selected);
                n = rowClasses.size() * columns;
            } else {
                n = columns * columns;
            }
        } else {
            n = count == null ? 64 : count;
        }
        long[] classes = classCount == 0 ? null : new long[n];
        if (classes != null) {
            for (int i = 0; i < n; i++) {
                if (!rowClasses.isEmpty()) {
                    classes[i] = rowClasses.get(i / columns);
                } else {
                    classes[i] = selected.isEmpty() ? i % classCount : selected.get(i % selected.size());
                }
            }
        }

        // Published BigGAN-deep models: z = T * truncnorm(-2, 2), as their statistics tables expect.
        LatentDistribution distribution = LatentDistribution.forTruncation(truncation, g);
        long seed = runtime.seed();
        List<ImageBytes> tiles = new ArrayList<>();
        List<Tensor> all = new ArrayList<>();
        int digits = Math.max(5, String.valueOf(n - 1).length());
        int total = n;
        Tensor exactZ = z;
        String standing = trained.withStandingStatistics(truncation, standingBatches, standingBatch,
                Seeds.derive(seed, "standing"), device, () -> {
            try (LatentSampler sampler = new LatentSampler(distribution, g.latentDim(), Seeds.derive(seed, "sample"),
                    device);
                 ProgressBar bar = Progress.bar("sample", total, " img")) {
                Sampler.Latents latents = exactZ != null ? Sampler.Latents.of(exactZ, device)
                        : Sampler.Latents.drawn(sampler, total, device);
                Sampler.Sink sink = (start, images) -> {
                    List<ImageBytes> bytes = ImageSheet.fromTensor(images);
                    if (sheet != null) {
                        tiles.addAll(bytes);
                    }
                    if (outDir != null) {
                        for (int k = 0; k < bytes.size(); k++) {
                            int i = start + k;
                            String label = mixture.isPresent() ? "-mixture" : classes == null ? ""
                                    : "-" + fileSafe(trained.className((int) classes[i]));
                            PngFiles.write(bytes.get(k), outDir.resolve(String.format(Locale.ROOT, "sample-%0" + digits
                                    + "d%s.png", i, label)));
                        }
                    }
                    if (npy != null) {
                        all.add(NativeMemory.keep(images.clone()));
                    }
                };
                if (mixture.isPresent()) {
                    Sampler.runSoft(g, latents, mixture.get().rows(total, device), total, batch, device, sink,
                            bar::stepTo);
                } else {
                    Sampler.run(g, latents, classes, total, batch, device, sink, bar::stepTo);
                }
            }
        });
        if (sheet != null) {
            List<String> labels = new ArrayList<>();
            rowClasses.forEach(c -> labels.add(trained.className(c)));
            ImageSheet.write(tiles, sheet, columns, 2, labels);
        }
        if (npy != null) {
            NativeMemory.scoped(() -> {
                Tensor stacked = org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(
                        all.toArray(new Tensor[0])), 0);
                try {
                    Npy.write(npy, stacked);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("Could not write " + npy + ": " + e.getMessage(), e);
                }
            });
        }
        if (labelsNpy != null && classes != null) {
            long[] labelCopy = classes;
            NativeMemory.scoped(() -> {
                try {
                    Npy.write(labelsNpy, Tensors.fromLongs(labelCopy, ComputeDevice.CPU, labelCopy.length));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("Could not write " + labelsNpy + ": " + e.getMessage(), e);
                }
            });
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "%d samples from %s of %s (iteration %d), %s%s.%n", n, trained.ema() ? "G_ema" : "G",
                trained.checkpoint(), trained.iteration(), truncation > 0 ? "truncation " + truncation : "no truncation",
                ", " + standing + mixture.map(m -> ", classes mixed as " + m.describe(trained.classNames())).orElse(""));
        for (Path p : new Path[] {sheet, outDir, npy, labelsNpy}) {
            if (p != null) {
                w.printf("Wrote %s%n", p.toAbsolutePath());
            }
        }
        w.flush();
        return 0;
    }

    /** The first ten classes (a sheet of a thousand ImageNet rows helps nobody; pick with --classes). */
    static List<Integer> defaultRows(int classCount) {
        List<Integer> rows = new ArrayList<>();
        for (int c = 0; c < Math.min(classCount, 10); c++) {
            rows.add(c);
        }
        return rows;
    }

    private static String fileSafe(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return s.isEmpty() ? "class" : s.length() > 40 ? s.substring(0, 40) : s;
    }
}
