package org.biggan4j.run;

import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.DataSources;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.image.ImageSheet;
import org.biggan4j.io.Npy;
import org.biggan4j.model.Generator;
import org.biggan4j.sample.Interpolation;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.SampleSheets;
import org.biggan4j.sample.Sampler;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.train.SessionFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sheet modes of a {@link SamplingJob} (interpolations, a truncation sweep, nearest
 * neighbours): builds the grid with {@link SampleSheets}, writes it as a PNG (and .npy), and
 * says what each row holds.
 */
final class SampleSheetWriter {

    /** Rows of an unconditional generator's sheets when -n is not given. */
    private static final int UNCONDITIONAL_ROWS = 8;

    private final TrainedGenerator trained;
    private final List<Integer> selected;
    private final ComputeDevice device;
    private final long seed;

    SampleSheetWriter(TrainedGenerator trained, List<Integer> selected, ComputeDevice device, long seed) {
        this.trained = trained;
        this.selected = selected;
        this.device = device;
        this.seed = seed;
    }

    /** A sheet mode's grid (owned: close it) and a phrase saying what it is. */
    record Built(SampleSheets.Grid grid, String what) implements AutoCloseable {
        @Override
        public void close() {
            grid.close();
        }
    }

    /** Builds the sheet of {@code c.mode()}, writes it (and its .npy) and says what it holds. */
    SamplingJob.Result write(SamplingJob.Request c) throws IOException {
        try (Built built = build(c)) {
            SampleSheets.Grid grid = built.grid();
            ImageSheet.write(grid.images(), c.sheet(), grid.columns(), 2, hasLabels(grid) ? grid.rowLabels()
                    : List.of());
            if (c.npy() != null) {
                Npy.write(c.npy(), grid.images());
            }
            return result(built, c);
        }
    }

    /** What a built sheet holds, naming the files {@code c} asks for. */
    SamplingJob.Result result(Built built, SamplingJob.Request c) {
        SampleSheets.Grid grid = built.grid();
        String summary = String.format(Locale.ROOT, "A %d x %d sheet from %s of %s (iteration %d): %s.",
                grid.rows(), grid.columns(), trained.ema() ? "G_ema" : "G", trained.checkpoint(),
                trained.iteration(), built.what());
        return new SamplingJob.Result(grid.rows() * grid.columns(), trained.iteration(), summary, grid.details(),
                SamplingJob.named(c.sheet(), c.npy()));
    }

    /** Builds the grid of {@code c.mode()} without writing it. */
    Built build(SamplingJob.Request c) {
        Generator g = trained.generator();
        List<Integer> rows = rowClasses(g.numClasses());
        int unconditionalRows = c.count() != null ? c.count() : UNCONDITIONAL_ROWS;
        String what;
        SampleSheets.Grid grid;
        if (c.mode() instanceof SamplingJob.InterpolationSheet mode) {
            Interpolation path = mode.path();
            LatentDistribution latent = LatentDistribution.forTruncation(c.truncation(), trained.generator());
            String[] standing = new String[1];
            SampleSheets.Grid[] made = new SampleSheets.Grid[1];
            try (LatentSampler latents = new LatentSampler(latent, g.latentDim(), Seeds.derive(seed, "sample"),
                    device)) {
                Runnable work = switch (mode.along()) {
                    case LATENT -> mode.toSeed() == null
                            ? () -> made[0] = SampleSheets.latentInterpolation(trained, rows, unconditionalRows,
                                    mode.steps(), path, latents, c.batch(), device)
                            : () -> made[0] = betweenSeeds(rows, unconditionalRows, mode, latent, latents, c.batch());
                    case CLASS -> {
                        List<int[]> pairs = classPairs(rows);
                        yield () -> made[0] = SampleSheets.classInterpolation(trained, pairs, mode.steps(), latents,
                                c.batch(), device);
                    }
                };
                standing[0] = trained.withStandingStatistics(c.truncation(), c.standingBatches(),
                        c.standingBatch(), Seeds.derive(seed, "standing"), device, work);
            }
            grid = made[0];
            what = (mode.along() == SamplingJob.Along.LATENT
                    ? "z interpolation (" + path.name().toLowerCase(Locale.ROOT)
                    + (mode.toSeed() != null ? ", to the latents of seed " + mode.toSeed() : "") + ")"
                    : "class interpolation") + ", " + truncationText(c.truncation()) + ", " + standing[0];
        } else if (c.mode() instanceof SamplingJob.TruncationSweep mode) {
            try (ProgressBar bar = Progress.bar("sweep", mode.truncations().size(), " columns")) {
                grid = SampleSheets.truncationSweep(trained, rows, unconditionalRows, mode.truncations(), seed,
                        c.batch(), c.standingBatches(), c.standingBatch(), device, bar::stepTo);
            }
            what = "truncation sweep over " + mode.truncations();
        } else {
            var mode = (SamplingJob.NearestNeighbours) c.mode();
            grid = neighbours(c, mode, rows, unconditionalRows);
            what = "nearest neighbours (sample, " + mode.k() + " in pixel space"
                    + (grid.columns() > 1 + mode.k() ? ", " + mode.k() + " in classifier feature space)" : ")");
        }
        return new Built(grid, what);
    }

    private SampleSheets.Grid neighbours(SamplingJob.Request c, SamplingJob.NearestNeighbours mode, List<Integer> rows,
                                         int unconditionalRows) {
        Generator g = trained.generator();
        int q = rows.isEmpty() ? unconditionalRows : rows.size();
        long[] classes = rows.isEmpty() ? null : rows.stream().mapToLong(Integer::longValue).toArray();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < q; i++) {
            labels.add(rows.isEmpty() ? "" : trained.className(rows.get(i)));
        }
        List<Tensor> parts = new ArrayList<>();
        trained.withStandingStatistics(c.truncation(), c.standingBatches(), c.standingBatch(),
                Seeds.derive(seed, "standing"), device, () -> {
                    try (LatentSampler latents = new LatentSampler(LatentDistribution.forTruncation(c.truncation(), g),
                            g.latentDim(), Seeds.derive(seed, "sample"), device)) {
                        Sampler.run(g, Sampler.Latents.drawn(latents, q, device), classes, q, c.batch(), device,
                                (start, images) -> parts.add(NativeMemory.keep(images.clone())), n -> { });
                    }
                });
        Tensor samples = NativeMemory.scoped(() -> NativeMemory.keep(torch.cat(
                new TensorVector(parts.toArray(new Tensor[0])), 0)));
        parts.forEach(Tensor::close);
        LabelledImages images = mode.data() != null
                ? DataSources.openForModel(mode.data(), g.imageChannels(), g.resolution())
                : SessionFactory.openData(trained.config());
        // The bundled classifier reads 1-channel 32x32 images; other models are searched in pixel space only.
        boolean classifier = g.imageChannels() == 1 && g.resolution() == 32;
        try (ClassifierFeatures features = classifier ? new ClassifierFeatures(ClassifierFile.fashionMnist(device)) : null;
             ProgressBar bar = Progress.bar("neighbours", images.count(), " img")) {
            return SampleSheets.neighbours(samples, labels, images, mode.k(), features, Math.max(c.batch(), 64), seed,
                    device, bar::stepTo);
        } finally {
            samples.close();
        }
    }

    /**
     * Row i from its latent of the job's seed ({@code from}) to its latent of {@code mode.toSeed()},
     * each the i-th of R drawn as plain sampling with that seed draws them.
     */
    private SampleSheets.Grid betweenSeeds(List<Integer> rows, int unconditionalRows, SamplingJob.InterpolationSheet mode,
                                           LatentDistribution latent, LatentSampler from, int batch) {
        int r = rows.isEmpty() ? unconditionalRows : rows.size();
        Generator g = trained.generator();
        try (LatentSampler to = new LatentSampler(latent, g.latentDim(), Seeds.derive(mode.toSeed(), "sample"), device)) {
            Tensor ends = NativeMemory.scoped(() -> {
                Tensor a = from.sample(r).to(torch.ScalarType.Float);                      // [R, D]
                Tensor b = to.sample(r).to(torch.ScalarType.Float);                        // [R, D]
                // Interleaved rows a0, b0, a1, b1, ...: [2R, D]
                return NativeMemory.keep(torch.stack(new TensorVector(a, b), 1).reshape(2L * r, -1).contiguous());
            });
            try {
                return SampleSheets.latentInterpolation(trained, rows, mode.steps(), mode.path(), ends, batch, device);
            } finally {
                ends.close();
            }
        }
    }

    /** The chosen classes, or the first ten; empty for an unconditional generator. */
    private List<Integer> rowClasses(int classCount) {
        if (classCount == 0) {
            return List.of();
        }
        return selected.isEmpty() ? SamplingJob.defaultRows(classCount) : selected;
    }

    /** Consecutive pairs of the chosen classes: a, b, c gives a to b and b to c. */
    private static List<int[]> classPairs(List<Integer> rows) {
        if (rows.size() < 2) {
            throw new IllegalArgumentException("A class interpolation needs a conditional generator and two or more "
                    + "classes (--classes 3,7 or --class twice).");
        }
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < rows.size(); i++) {
            pairs.add(new int[] {rows.get(i), rows.get(i + 1)});
        }
        return pairs;
    }

    private static boolean hasLabels(SampleSheets.Grid grid) {
        return grid.rowLabels().stream().anyMatch(l -> !l.isEmpty());
    }

    private static String truncationText(double t) {
        return t > 0 ? "truncation " + t : "no truncation";
    }
}
