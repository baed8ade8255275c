package org.biggan4j.run;

import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ImageSheet;
import org.biggan4j.image.PngFiles;
import org.biggan4j.io.Npy;
import org.biggan4j.sample.ClassMixture;
import org.biggan4j.sample.ClassSelection;
import org.biggan4j.sample.Interpolation;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.Sampler;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * A sampling job: images from a trained generator (G_ema by default) as a labelled classes x
 * samples sheet, PNG files and/or a .npy array, with the truncation trick (BigGAN section 3.1),
 * standing statistics (appendix C) and exact latents from a file; or one of the sheets of a
 * {@link SheetMode} (interpolations, a truncation sweep, nearest neighbours). It prints nothing:
 * the {@link Result} says what was made; progress bars go to standard error.
 */
public final class SamplingJob {

    private SamplingJob() {
    }

    /** The special sheets a job can write instead of plain samples. */
    public sealed interface SheetMode permits InterpolationSheet, TruncationSweep, NearestNeighbours {
    }

    /**
     * An interpolation sheet: along z, one row per class, {@code steps} images from one latent to
     * another along {@code path}; along the class, one row per consecutive pair of the chosen
     * classes, the class embedding moving linearly from one to the next with z fixed (BigGAN
     * figure 8; needs a shared embedding).
     *
     * @param steps  images per row, the end points included (at least 2)
     * @param path   the path of a z interpolation; a class interpolation is linear
     * @param toSeed for a z interpolation, or null: each row runs from its latent drawn from the
     *               job's seed to its latent drawn from this seed (row i of {@code --seed A -n R}
     *               to row i of {@code --seed B -n R}), not between two latents of one seed
     */
    public record InterpolationSheet(Along along, int steps, Interpolation path, Long toSeed) implements SheetMode {
        public InterpolationSheet {
            Objects.requireNonNull(along, "along");
            Objects.requireNonNull(path, "path");
            if (steps < 2) {
                throw new IllegalArgumentException("--steps must be >= 2 (the end points), got " + steps + ".");
            }
            if (toSeed != null && along != Along.LATENT) {
                throw new IllegalArgumentException("--to-seed goes with --interpolate z: a class interpolation "
                        + "holds one z per row.");
            }
            if (along == Along.CLASS && path != Interpolation.LINEAR) {
                throw new IllegalArgumentException("--path applies to z interpolations; a class "
                        + "interpolation mixes class embeddings linearly (BigGAN figure 8).");
            }
        }

        /** Between two latents of the job's seed. */
        public InterpolationSheet(Along along, int steps, Interpolation path) {
            this(along, steps, path, null);
        }
    }

    /** What an interpolation sheet moves along. */
    public enum Along {
        /** The latent z, class fixed. */
        LATENT,
        /** The class embedding, z fixed. */
        CLASS
    }

    /**
     * One column per truncation threshold (0 = none), the same seed in every column, each with its
     * own standing statistics (BigGAN figure 2a).
     */
    public record TruncationSweep(List<Double> truncations) implements SheetMode {
        public TruncationSweep {
            if (truncations.isEmpty() || truncations.stream().anyMatch(t -> !(t >= 0) || t.isInfinite())) {
                throw new IllegalArgumentException("--sweep takes truncations >= 0 (0 = none), got " + truncations
                        + ".");
            }
            truncations = List.copyOf(truncations);
        }
    }

    /**
     * Each sample, its {@code k} nearest training images in pixel space, then (for 1-channel 32 px
     * models) its {@code k} nearest in the bundled classifier's feature space (BigGAN appendix D).
     *
     * @param data the images to search, or null for the run's training data
     */
    public record NearestNeighbours(int k, Path data) implements SheetMode {
        public NearestNeighbours {
            if (k < 1) {
                throw new IllegalArgumentException("--neighbours must be >= 1, got " + k + ".");
            }
        }
    }

    /**
     * What to sample and where to write it. {@link #run} needs at least one of {@code sheet},
     * {@code outDir} and {@code npy}, and a {@code mode} writes {@code sheet} (and optionally
     * {@code npy}); {@link #generate} ignores them all.
     *
     * @param checkpoint      a run folder (its newest checkpoint) or a .b4j checkpoint
     * @param ema             sample G_ema when the checkpoint has it, else G
     * @param sheet           a sheet PNG, one row per class, {@code columns} samples each; or null
     * @param outDir          a folder for one PNG per sample; or null
     * @param npy             a .npy array [N, C, H, W] float32 in [-1, 1]; or null
     * @param labelsNpy       a .npy int64 [N] of the samples' classes; or null
     * @param count           samples for {@code outDir}/{@code npy} (null: 64, or the sheet's rows x columns)
     * @param classIds        class ids (3,5,7 or 0-9) or one mixture (id:weight,...); or null
     * @param classNames      classes by name, synonym or WordNet id
     * @param truncation      the truncation threshold, 0 = none
     * @param standingBatches -1 = stored or default standing statistics, K > 0 = a fresh pass, 0 = none
     * @param standingBatch   batch size of a standing-statistics pass
     * @param zFile           exact latents, a .npy [N, latent dim]; or null
     * @param columns         sheet columns
     * @param batch           generator batch
     * @param mode            a special sheet, or null for plain samples
     * @param seed            the job's seed (latents and standing statistics derive from it)
     */
    public record Request(Path checkpoint, boolean ema, Path sheet, Path outDir, Path npy, Path labelsNpy,
                          Integer count, String classIds, List<String> classNames, double truncation,
                          int standingBatches, int standingBatch, Path zFile, int columns, int batch,
                          SheetMode mode, long seed) {

        public Request {
            Objects.requireNonNull(checkpoint, "checkpoint");
            classNames = List.copyOf(classNames);
            if (!(truncation >= 0) || Double.isInfinite(truncation)) {
                throw new IllegalArgumentException("--truncation must be >= 0 (0 = none), got " + truncation + ".");
            }
            if (columns < 1 || batch < 1 || standingBatches < -1 || standingBatch < 2 || (count != null && count < 1)) {
                throw new IllegalArgumentException("--columns, --batch and --n must be >= 1, --standing-stats >= -1 and "
                        + "--standing-batch >= 2.");
            }
            if (mode != null && (outDir != null || zFile != null)) {
                throw new IllegalArgumentException("--interpolate, --sweep and --neighbours write a sheet: give --sheet FILE "
                        + "(and optionally --npy FILE), not --out or --z.");
            }
        }
    }

    /**
     * What a job made.
     *
     * @param images    the images generated (a sheet's rows x columns in a sheet mode)
     * @param iteration the checkpoint's iteration
     * @param summary   one sentence: how many of what, from which weights and checkpoint, with what settings
     * @param details   further lines (a sheet mode's row contents: dataset indices, distances); may be empty
     * @param outputs   the files and folder the request named, in the order sheet, folder, arrays
     */
    public record Result(int images, long iteration, String summary, List<String> details, List<Path> outputs) {
        public Result {
            details = List.copyOf(details);
            outputs = List.copyOf(outputs);
        }
    }

    /**
     * Images made in memory, for an interactive caller (the sampler page): exactly the images
     * {@link #run} makes for the same request (same seeds, batches and statistics), not written.
     *
     * @param images    the images, row-major
     * @param columns   images per row: a sheet mode's columns (interpolation steps), else the request's columns
     * @param fileNames a file name per image: what {@code --out} names the sample ({@code
     *                  sample-00003-sneaker.png}), or {@code frame-NN.png} for a sheet mode's tiles
     * @param summary   what {@link Result#summary} says
     */
    public record Images(List<ImageBytes> images, int columns, List<String> fileNames, String summary) {
        public Images {
            images = List.copyOf(images);
            fileNames = List.copyOf(fileNames);
        }
    }

    /** Loads the generator onto {@code device}, samples and writes what the request names. */
    public static Result run(Request request, ComputeDevice device) throws IOException {
        if (request.sheet() == null && request.outDir() == null && request.npy() == null) {
            throw new IllegalArgumentException("Nothing to write: give --sheet FILE, --out DIR and/or --npy FILE.");
        }
        if (request.mode() != null && request.sheet() == null) {
            throw new IllegalArgumentException("--interpolate, --sweep and --neighbours write a sheet: give --sheet FILE "
                    + "(and optionally --npy FILE), not --out or --z.");
        }
        TrainedGenerator trained = TrainedGenerator.load(request.checkpoint(), request.ema(), device);
        return run(request, trained, device, null, () -> false);
    }

    /**
     * Makes the images of {@code request} with an already loaded generator, in memory; the
     * request's output paths are ignored. {@code cancelled} is asked before the work starts and
     * after every generator batch: when it says true, a {@link CancellationException} ends the
     * work (the generator's own BatchNorm statistics are put back, as after any sampling).
     */
    public static Images generate(Request request, TrainedGenerator trained, ComputeDevice device,
                                  BooleanSupplier cancelled) throws IOException {
        Request inMemory = new Request(request.checkpoint(), request.ema(), null, null, null, null, request.count(),
                request.classIds(), request.classNames(), request.truncation(), request.standingBatches(),
                request.standingBatch(), request.zFile(), request.columns(), request.batch(), request.mode(),
                request.seed());
        List<ImageBytes> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int[] columns = {request.columns()};
        Result result = run(inMemory, trained, device, (made, cols, fileNames) -> {
            images.addAll(made);
            names.addAll(fileNames);
            columns[0] = cols;
        }, cancelled);
        return new Images(images, columns[0], names, result.summary());
    }

    /** Receives the images a job makes, when they are wanted in memory. */
    @FunctionalInterface
    private interface Collector {
        void accept(List<ImageBytes> images, int columns, List<String> fileNames);
    }

    /** Throws when the caller has gone: checked before the work and between generator batches. */
    static void checkCancelled(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("The sampling request was cancelled.");
        }
    }

    private static Result run(Request request, TrainedGenerator trained, ComputeDevice device, Collector memory,
                              BooleanSupplier cancelled) throws IOException {
        checkCancelled(cancelled);
        var g = trained.generator();
        int classCount = g.numClasses();
        Optional<ClassMixture> mixture = ClassMixture.parse(request.classIds(), classCount);
        if (mixture.isPresent() && (request.mode() != null || !request.classNames().isEmpty()
                || request.labelsNpy() != null)) {
            throw new IllegalArgumentException("A class mixture (--classes id:weight,...) goes with plain sampling: "
                    + "leave out --class, --labels-npy, --interpolate, --sweep and --neighbours.");
        }
        List<Integer> selected = ClassSelection.parse(mixture.isPresent() ? null : request.classIds(),
                request.classNames(), trained.classNames(), classCount);
        SampleSheetWriter sheets = new SampleSheetWriter(trained, selected, device, request.seed());
        if (request.mode() != null && memory != null) {
            try (SampleSheetWriter.Built built = sheets.build(request)) {
                List<ImageBytes> tiles = ImageSheet.fromTensor(built.grid().images());
                List<String> names = new ArrayList<>();
                for (int i = 0; i < tiles.size(); i++) {
                    names.add(String.format(Locale.ROOT, "frame-%02d.png", i));
                }
                memory.accept(tiles, built.grid().columns(), names);
                return sheets.result(built, request);
            }
        }
        if (request.mode() != null) {
            return sheets.write(request);
        }
        return plain(request, trained, selected, mixture, device, memory, cancelled);
    }

    private static Result plain(Request r, TrainedGenerator trained, List<Integer> selected,
                                Optional<ClassMixture> mixture, ComputeDevice device, Collector memory,
                                BooleanSupplier cancelled) throws IOException {
        var g = trained.generator();
        int classCount = g.numClasses();
        int columns = r.columns();
        Tensor z = null;
        int n;
        List<Integer> rowClasses = new ArrayList<>();
        if (r.zFile() != null) {
            z = NativeMemory.keep(Npy.read(r.zFile(), ComputeDevice.CPU));
            long[] shape = Tensors.shape(z);
            if (shape.length != 2 || shape[1] != g.latentDim()) {
                throw new IllegalArgumentException(r.zFile() + " holds an array of shape " + Arrays.toString(shape)
                        + "; this generator needs [N, " + g.latentDim() + "].");
            }
            n = (int) shape[0];
            if (r.count() != null && r.count() != n) {
                throw new IllegalArgumentException("--n " + r.count() + " disagrees with the " + n + " rows of "
                        + r.zFile() + ".");
            }
        } else if (r.sheet() != null && r.count() == null) {
            if (classCount > 0 && mixture.isEmpty()) {
                rowClasses.addAll(selected.isEmpty() ? defaultRows(classCount) : selected);
                n = rowClasses.size() * columns;
            } else {
                n = columns * columns;
            }
        } else {
            n = r.count() == null ? 64 : r.count();
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
        LatentDistribution distribution = LatentDistribution.forTruncation(r.truncation(), g);
        long seed = r.seed();
        List<ImageBytes> tiles = new ArrayList<>();
        List<String> fileNames = new ArrayList<>();
        List<Tensor> all = new ArrayList<>();
        int digits = Math.max(5, String.valueOf(n - 1).length());
        int total = n;
        Tensor exactZ = z;
        String standing = trained.withStandingStatistics(r.truncation(), r.standingBatches(), r.standingBatch(),
                Seeds.derive(seed, "standing"), device, () -> {
            try (LatentSampler sampler = new LatentSampler(distribution, g.latentDim(), Seeds.derive(seed, "sample"),
                    device);
                 ProgressBar bar = Progress.bar("sample", total, " img")) {
                Sampler.Latents latents = exactZ != null ? Sampler.Latents.of(exactZ, device)
                        : Sampler.Latents.drawn(sampler, total, device);
                Sampler.Sink sink = (start, images) -> {
                    List<ImageBytes> bytes = ImageSheet.fromTensor(images);
                    if (r.sheet() != null || memory != null) {
                        tiles.addAll(bytes);
                    }
                    for (int k = 0; k < bytes.size(); k++) {
                        int i = start + k;
                        String label = mixture.isPresent() ? "-mixture" : classes == null ? ""
                                : "-" + fileSafe(trained.className((int) classes[i]));
                        String name = String.format(Locale.ROOT, "sample-%0" + digits + "d%s.png", i, label);
                        fileNames.add(name);
                        if (r.outDir() != null) {
                            PngFiles.write(bytes.get(k), r.outDir().resolve(name));
                        }
                    }
                    if (r.npy() != null) {
                        all.add(NativeMemory.keep(images.clone()));
                    }
                };
                IntConsumer done = k -> {
                    bar.stepTo(k);
                    checkCancelled(cancelled);
                };
                if (mixture.isPresent()) {
                    Sampler.runSoft(g, latents, mixture.get().rows(total, device), total, r.batch(), device, sink,
                            done);
                } else {
                    Sampler.run(g, latents, classes, total, r.batch(), device, sink, done);
                }
            }
        });
        if (memory != null) {
            memory.accept(tiles, columns, fileNames);
        }
        if (r.sheet() != null) {
            List<String> labels = new ArrayList<>();
            rowClasses.forEach(c -> labels.add(trained.className(c)));
            ImageSheet.write(tiles, r.sheet(), columns, 2, labels);
        }
        if (r.npy() != null) {
            NativeMemory.scoped(() -> {
                Tensor stacked = torch.cat(new TensorVector(all.toArray(new Tensor[0])), 0);
                writeNpy(r.npy(), stacked);
            });
        }
        if (r.labelsNpy() != null && classes != null) {
            long[] labelCopy = classes;
            NativeMemory.scoped(() -> writeNpy(r.labelsNpy(), Tensors.fromLongs(labelCopy, ComputeDevice.CPU,
                    labelCopy.length)));
        }
        double truncation = r.truncation();
        String summary = String.format(Locale.ROOT, "%d %s from %s of %s (iteration %d), %s%s.", n,
                n == 1 ? "sample" : "samples",
                trained.ema() ? "G_ema" : "G", trained.checkpoint(), trained.iteration(),
                truncation > 0 ? "truncation " + truncation : "no truncation",
                ", " + standing + mixture.map(m -> ", classes mixed as " + m.describe(trained.classNames())).orElse(""));
        return new Result(n, trained.iteration(), summary, List.of(),
                named(r.sheet(), r.outDir(), r.npy(), r.labelsNpy()));
    }

    private static void writeNpy(Path file, Tensor tensor) {
        try {
            Npy.write(file, tensor);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The non-null paths, in order. */
    static List<Path> named(Path... paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (p != null) {
                out.add(p);
            }
        }
        return out;
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
