package org.biggan4j.sample;

import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.model.Generator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The sheets one looks at to judge a conditional GAN beyond random samples (BigGAN section 4
 * and appendix D): interpolations in z with the class fixed and between classes with z fixed
 * (figure 8), a truncation sweep of the same latents (figure 2(a)), and each sample beside its
 * nearest training images in pixel and feature space (figures 20-22), the check that samples
 * are not copies. Each method returns a row-major {@link Grid} of images in [-1, 1].
 */
public final class SampleSheets {

    /**
     * Images of a sheet, row-major {@code [rows * columns, C, H, W]} float32 on the CPU, owned by
     * the grid (close it), with a label per row and a line per row describing it.
     */
    public record Grid(Tensor images, int rows, int columns, List<String> rowLabels, List<String> details)
            implements AutoCloseable {
        public Grid {
            rowLabels = List.copyOf(rowLabels);
            details = List.copyOf(details);
            if (images.size(0) != (long) rows * columns) {
                throw new IllegalArgumentException("A grid of " + rows + " x " + columns + " needs as many images.");
            }
        }

        @Override
        public void close() {
            images.close();
        }
    }

    private SampleSheets() {
    }

    /**
     * One row per class (or {@code rows} rows for an unconditional G): {@code steps} images along
     * {@code path} between two latents drawn for that row, the class held fixed.
     *
     * @param rowClasses the class of each row; empty for an unconditional generator
     */
    public static Grid latentInterpolation(TrainedGenerator trained, List<Integer> rowClasses, int rows, int steps,
                                           Interpolation path, LatentSampler latents, int batch, ComputeDevice device) {
        int r = rowClasses.isEmpty() ? rows : rowClasses.size();
        Tensor ends = NativeMemory.keep(latents.sample(2L * r).to(torch.ScalarType.Float));
        try {
            return latentInterpolation(trained, rowClasses, steps, path, ends, batch, device);
        } finally {
            ends.close();
        }
    }

    /**
     * As above with given end points: row i runs from {@code ends[2i]} to {@code ends[2i + 1]}
     * ({@code ends} is {@code [2 * rows, latent dim]}, any device).
     */
    public static Grid latentInterpolation(TrainedGenerator trained, List<Integer> rowClasses, int steps,
                                           Interpolation path, Tensor ends, int batch, ComputeDevice device) {
        Generator g = trained.generator();
        int r = (int) (ends.size(0) / 2);
        if (!rowClasses.isEmpty() && rowClasses.size() != r) {
            throw new IllegalArgumentException("Need two end points per row: " + rowClasses.size() + " rows, "
                    + ends.size(0) + " end points.");
        }
        List<String> labels = new ArrayList<>();
        List<String> details = new ArrayList<>();
        long[] classes = rowClasses.isEmpty() ? null : new long[r * steps];
        for (int i = 0; i < r; i++) {
            String name = rowClasses.isEmpty() ? "" : trained.className(rowClasses.get(i));
            labels.add(name);
            details.add("row " + i + (name.isEmpty() ? "" : " (" + name + ")") + ": " + steps + " steps from z_a to z_b, "
                    + path.name().toLowerCase(Locale.ROOT));
            for (int s = 0; classes != null && s < steps; s++) {
                classes[i * steps + s] = rowClasses.get(i);
            }
        }
        Tensor z = NativeMemory.scoped(() -> {
            List<Tensor> paths = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                paths.add(path.path(ends.select(0, 2L * i), ends.select(0, 2L * i + 1), steps));
            }
            return NativeMemory.keep(torch.cat(new TensorVector(paths.toArray(new Tensor[0])), 0));
        });
        try {
            Tensor images = collect(r * steps, sink -> Sampler.run(g, Sampler.Latents.of(z, device), classes, r * steps,
                    batch, device, sink, n -> { }));
            return new Grid(images, r, steps, labels, details);
        } finally {
            z.close();
        }
    }

    /**
     * One row per class pair {@code (a, b)}: {@code steps} images whose class embedding moves
     * linearly from a's to b's (a mixture {@code (1 - t, t)}), one latent per row held fixed.
     * Needs a generator with a shared class embedding.
     */
    public static Grid classInterpolation(TrainedGenerator trained, List<int[]> pairs, int steps, LatentSampler latents,
                                          int batch, ComputeDevice device) {
        Generator g = trained.generator();
        if (!g.acceptsSoftClasses()) {
            g.forwardSoft(null, null); // throws its one-line explanation
        }
        int r = pairs.size();
        int k = g.numClasses();
        double[] weights = new double[r * steps * k];
        List<String> labels = new ArrayList<>();
        List<String> details = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            int a = pairs.get(i)[0];
            int b = pairs.get(i)[1];
            labels.add(trained.className(a) + " > " + trained.className(b));
            details.add("row " + i + ": " + trained.className(a) + " (" + a + ") to " + trained.className(b) + " (" + b
                    + "), one z");
            for (int s = 0; s < steps; s++) {
                double t = (double) s / (steps - 1);
                int row = (i * steps + s) * k;
                weights[row + a] += 1 - t;
                weights[row + b] += t;
            }
        }
        Tensor z = NativeMemory.scoped(() -> {
            Tensor one = latents.sample(r).to(torch.ScalarType.Float);                     // [R, D]
            return NativeMemory.keep(one.unsqueeze(1).expand(r, steps, one.size(1)).reshape(r * steps, -1).contiguous());
        });
        Tensor w = NativeMemory.keep(Tensors.fromDoubles(weights, ComputeDevice.CPU, (long) r * steps, k));
        try {
            Tensor images = collect(r * steps, sink -> Sampler.runSoft(g, Sampler.Latents.of(z, device), w, r * steps,
                    batch, device, sink, n -> { }));
            return new Grid(images, r, steps, labels, details);
        } finally {
            z.close();
            w.close();
        }
    }

    /**
     * The same latents at every truncation: column c holds one sample per row at
     * {@code truncations.get(c)}, drawn from a sampler seeded with {@code seed} for every column
     * (so components inside the threshold are the same across columns), each column with its own
     * standing statistics (see {@link TrainedGenerator#withStandingStatistics}).
     *
     * @param standingBatches as for {@link TrainedGenerator#withStandingStatistics}
     */
    public static Grid truncationSweep(TrainedGenerator trained, List<Integer> rowClasses, int rows,
                                       List<Double> truncations, long seed, int batch, int standingBatches,
                                       int standingBatch, ComputeDevice device, IntConsumer columnsDone) {
        Generator g = trained.generator();
        int r = rowClasses.isEmpty() ? rows : rowClasses.size();
        long[] classes = rowClasses.isEmpty() ? null : rowClasses.stream().mapToLong(Integer::longValue).toArray();
        List<Tensor> columns = new ArrayList<>();
        List<String> details = new ArrayList<>();
        try {
            for (double t : truncations) {
                String how = trained.withStandingStatistics(t, standingBatches, standingBatch,
                        Seeds.derive(seed, "standing"), device, () -> {
                            // withStandingStatistics scopes this work, so the drawn latents are freed after it.
                            try (LatentSampler latents = new LatentSampler(LatentDistribution.forTruncation(t, g),
                                    g.latentDim(), Seeds.derive(seed, "sample"), device)) {
                                columns.add(collect(r, sink -> Sampler.run(g, Sampler.Latents.drawn(latents, r, device),
                                        classes, r, batch, device, sink, n -> { })));
                            }
                        });
                details.add("column " + columns.size() + ": " + (t > 0 ? "truncation " + t : "no truncation") + ", " + how);
                columnsDone.accept(columns.size());
            }
            Tensor images = NativeMemory.scoped(() -> {
                Tensor stacked = torch.stack(new TensorVector(columns.toArray(new Tensor[0])), 1); // [R, T, C, H, W]
                return NativeMemory.keep(stacked.reshape(concat((long) r * truncations.size(),
                        Tensors.shape(columns.get(0).select(0, 0)))).contiguous());
            });
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                labels.add(rowClasses.isEmpty() ? "" : trained.className(rowClasses.get(i)));
            }
            return new Grid(images, r, truncations.size(), labels, details);
        } finally {
            columns.forEach(Tensor::close);
        }
    }

    /**
     * Each sample in column 0, then its {@code k} nearest images of {@code data} in pixel space,
     * then (when {@code features} is given) its {@code k} nearest in the feature network's space.
     * The data are read once, in order, at the generator's resolution.
     *
     * @param samples [Q, C, H, W] in [-1, 1] on the CPU
     * @param labels  a label per sample row
     */
    public static Grid neighbours(Tensor samples, List<String> labels, LabelledImages data, int k,
                                  FeatureExtractor features, int batch, long seed, ComputeDevice device,
                                  IntConsumer imagesDone) {
        int q = (int) samples.size(0);
        int resolution = (int) samples.size(2);
        if (data.channels() != samples.size(1)) {
            throw new IllegalArgumentException("The data have " + data.channels() + " channels, the samples "
                    + samples.size(1) + ": give --data with images like the training images.");
        }
        // The loader drops a last partial batch: pad the data to whole batches with repeats of its first
        // images, which never displace the originals (ties keep the earlier image).
        int b = Math.min(batch, data.count());
        LabelledImages whole = padded(data, (data.count() + b - 1) / b * b);
        LoaderOptions options = LoaderOptions.of(b, seed).withShuffle(false).withModelResolution(resolution,
                LoaderOptions.Fit.of(data.resolution(), resolution));
        Tensor onDevice = NativeMemory.keep(samples.to(device.torchDevice(), torch.ScalarType.Float));
        Tensor queryFeatures = features == null ? null : NativeMemory.scoped(() -> {
            try (NoGradGuard ng = new NoGradGuard()) {
                return NativeMemory.keep(features.extract(onDevice).features());
            }
        });
        try (NearestNeighbours pixels = new NearestNeighbours(onDevice.reshape(q, -1), k);
             NearestNeighbours feature = features == null ? null : new NearestNeighbours(queryFeatures, k);
             DataLoader loader = new DataLoader(whole, options, device)) {
            int total = loader.batchesPerEpoch();
            int[] datasetIndex = new int[total * b];
            for (int i = 0; i < total; i++) {
                int first = i * b;
                NativeMemory.scoped(() -> {
                    try (NoGradGuard ng = new NoGradGuard()) {
                        Batch batchOf = loader.next();
                        for (int j = 0; j < batchOf.size(); j++) {
                            datasetIndex[first + j] = batchOf.indices()[j] % data.count();
                        }
                        Tensor images = batchOf.images();
                        pixels.add(images.reshape(images.size(0), -1), images);
                        if (feature != null) {
                            feature.add(features.extract(images).features(), images);
                        }
                    }
                });
                imagesDone.accept(Math.min((i + 1) * b, data.count()));
            }
            List<Tensor> parts = new ArrayList<>();
            List<String> details = new ArrayList<>();
            Tensor grid = NativeMemory.scoped(() -> {
                parts.add(onDevice.unsqueeze(1));
                parts.add(pixels.images().to(onDevice.device(), torch.ScalarType.Float));
                if (feature != null) {
                    parts.add(feature.images().to(onDevice.device(), torch.ScalarType.Float));
                }
                Tensor rows = torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 1);     // [Q, 1 + k (+ k), C, H, W]
                return NativeMemory.keep(rows.reshape(concat(-1, Tensors.shape(samples.select(0, 0))))
                        .to(ComputeDevice.CPU.torchDevice(), torch.ScalarType.Float).contiguous());
            });
            int columns = (int) (grid.size(0) / q);
            for (int i = 0; i < q; i++) {
                StringBuilder line = new StringBuilder("row " + i + (labels.get(i).isEmpty() ? "" : " (" + labels.get(i)
                        + ")") + ": pixel neighbours " + describe(pixels, i, datasetIndex));
                if (feature != null) {
                    line.append("; feature neighbours ").append(describe(feature, i, datasetIndex));
                }
                details.add(line.toString());
            }
            return new Grid(grid, q, columns, labels, details);
        } finally {
            onDevice.close();
            if (queryFeatures != null) {
                queryFeatures.close();
            }
        }
    }

    /** Dataset indices and distances of one row's neighbours, nearest first. */
    private static String describe(NearestNeighbours nn, int row, int[] datasetIndex) {
        long[] ids = Tensors.toLongs(nn.indices().select(0, row));
        double[] d = Tensors.toDoubles(nn.distances().select(0, row));
        List<String> parts = new ArrayList<>();
        for (int j = 0; j < ids.length; j++) {
            parts.add(String.format(Locale.ROOT, "#%d (%.3g)", datasetIndex[(int) ids[j]], d[j]));
        }
        return String.join(", ", parts);
    }

    /** {@code data} followed by repeats of its first images up to {@code count} images. */
    private static LabelledImages padded(LabelledImages data, int count) {
        if (count == data.count()) {
            return data;
        }
        return new LabelledImages() {
            @Override
            public int count() {
                return count;
            }

            @Override
            public int channels() {
                return data.channels();
            }

            @Override
            public int resolution() {
                return data.resolution();
            }

            @Override
            public List<String> classNames() {
                return data.classNames();
            }

            @Override
            public int label(int index) {
                return data.label(index % data.count());
            }

            @Override
            public void read(int index, byte[] dst, int offset) {
                data.read(index % data.count(), dst, offset);
            }

            @Override
            public boolean decodesFiles() {
                return data.decodesFiles();
            }

            @Override
            public String description() {
                return data.description();
            }
        };
    }

    /** Runs a sampler and stacks what it produces into one owned tensor [n, C, H, W] on the CPU. */
    private static Tensor collect(int n, Consumer<Sampler.Sink> run) {
        List<Tensor> parts = new ArrayList<>();
        try {
            run.accept((start, images) -> parts.add(NativeMemory.keep(images.clone())));
            return NativeMemory.scoped(() -> NativeMemory.keep(torch.cat(new TensorVector(
                    parts.toArray(new Tensor[0])), 0)));
        } finally {
            parts.forEach(Tensor::close);
        }
    }

    private static long[] concat(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
