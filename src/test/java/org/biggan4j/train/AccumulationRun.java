package org.biggan4j.train;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.config.TrainConfig.ObjectiveConfig;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.loss.Objectives;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.optim.Optimizers;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * One training iteration of a small conditional BigGAN (fmnist-demo at ch 8: 32 px, 1 channel,
 * 3 classes, z of 16, Wasserstein loss) on fixed data, for comparing how gradient accumulation splits
 * a batch. The {@value #ROWS} real images, latents and classes are fixed; a run's sources hand
 * out consecutive rows of a window of them and start over at its end, so one batch of the whole
 * window and k micro-batches of a k-th of it see exactly the same rows, in the D update and again
 * in the G update. Both networks start from the same seeded weights in every run. Plain SGD, so a
 * parameter's change is the learning rate times its gradient and changes can be averaged.
 */
public final class AccumulationRun {

    /** Fixed rows. */
    public static final int ROWS = 8;
    private static final int CLASSES = 3;
    private static final long SEED = 5;

    /**
     * @param batchStatistics G's BatchNorm normalises with each forward's batch moments (training
     *                        mode, as in training); false: with its fixed running statistics, so
     *                        G has no batch-dependent layer
     * @param spectralNorm    spectral normalisation in G and D (one power iteration per training forward)
     */
    public record Setup(boolean batchStatistics, boolean spectralNorm) {
    }

    /** The change of every parameter of G and of D in one iteration (after minus before), in parameter order. */
    public record Updates(List<Tensor> generator, List<Tensor> discriminator) {
    }

    private AccumulationRun() {
    }

    /**
     * Runs iteration 1 with sources over rows {@code [first, first + perForward * accumulation)}.
     *
     * @param perForward   images per forward (the step's batch size)
     * @param accumulation forwards per update
     * @param lrG          G's SGD rate (0: G does not move)
     * @param lrD          D's SGD rate (0: D does not move, so the G update sees the initial D)
     * @param sync         replica synchronisation for the step, or null
     */
    public static Updates run(Setup setup, int perForward, int accumulation, int first, double lrG, double lrD,
                              ReplicaSync sync) {
        TrainConfig config = ConfigLoader.load("fmnist-demo", List.of("model.ch=8", "model.latent_dim=16",
                "model.spectral_norm_g=" + setup.spectralNorm(), "model.spectral_norm_d=" + setup.spectralNorm()));
        ModelSpec spec = Models.spec(config.model(), false, CLASSES, 1);
        Seeds.seedTorch(SEED);
        Generator built = Models.generator(spec, ComputeDevice.CPU);
        Generator g = setup.batchStatistics() ? built : new FixedStatistics(built);
        Discriminator d = Models.discriminator(spec, ComputeDevice.CPU);
        List<Tensor> gBefore = copy(g);
        List<Tensor> dBefore = copy(d);

        int window = perForward * accumulation;
        SplittableRandom random = Seeds.stream(SEED, "accumulation-data");
        Rows images = new Rows(Tensors.fromFloats(uniform(random, ROWS * 32 * 32), ComputeDevice.CPU, ROWS, 1, 32, 32)
                .narrow(0, first, window));
        Rows imageClasses = new Rows(classes(random).narrow(0, first, window));
        Rows latents = new Rows(Tensors.fromFloats(gaussian(random, ROWS * 16), ComputeDevice.CPU, ROWS, 16)
                .narrow(0, first, window));
        Rows latentClasses = new Rows(classes(random).narrow(0, first, window));
        LatentSource source = new LatentSource() {
            @Override public Tensor latents(int n) { return latents.next(n); }
            @Override public Tensor classes(int n) { return latentClasses.next(n); }
        };
        // The rates the step sets come from the schedules below (0 allowed there, not in a config).
        OptimizerConfig sgd = new OptimizerConfig(OptimizerKind.SGD, 1, 0, 0, 1e-8, 0, 0.99, 0, Schedule.CONSTANT, 0);
        // The Wasserstein loss rather than BigGAN's hinge: linear in every score, so every image
        // contributes to every gradient with weight 1/B, where the hinge's flat region (a fake
        // scored below -1) or a saturated sigmoid could drop a path and hide a difference there.
        GanStep step = new GanStep(new GanStep.Player<>(g, Optimizers.create(sgd, g.parameters()), it -> lrG),
                new GanStep.Player<>(d, Optimizers.create(sgd, d.parameters()), it -> lrD),
                Objectives.create(new ObjectiveConfig(ObjectiveKind.WASSERSTEIN, 1.0, 0, 1)), List.of(),
                () -> new RealBatch(images.next(perForward), imageClasses.next(perForward)),
                source, it -> { }, new StepSettings(perForward, 1, accumulation, SEED, false), ComputeDevice.CPU);
        if (sync != null) {
            step.synchronizeWith(sync);
        }
        NativeMemory.scoped(() -> step.run(1));
        return new Updates(minus(copy(g), gBefore), minus(copy(d), dBefore));
    }

    /** The elementwise mean of several runs' updates. */
    public static Updates mean(List<Updates> runs) {
        List<Tensor> g = new ArrayList<>();
        List<Tensor> d = new ArrayList<>();
        for (int i = 0; i < runs.get(0).generator().size(); i++) {
            int p = i;
            g.add(sum(runs.stream().map(u -> u.generator().get(p)).toList()).div(new Scalar(runs.size())));
        }
        for (int i = 0; i < runs.get(0).discriminator().size(); i++) {
            int p = i;
            d.add(sum(runs.stream().map(u -> u.discriminator().get(p)).toList())
                    .div(new Scalar(runs.size())));
        }
        return new Updates(g, d);
    }

    /**
     * The largest absolute difference between two sets of parameter changes, relative to the
     * largest change of {@code reference} (so a tolerance reads as a fraction of the update).
     */
    public static double relativeDifference(List<Tensor> actual, List<Tensor> reference) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < reference.size(); i++) {
            diff = Math.max(diff, actual.get(i).sub(reference.get(i)).abs().max().item_double());
            scale = Math.max(scale, reference.get(i).abs().max().item_double());
        }
        if (scale == 0) {
            throw new AssertionError("the reference update is zero: nothing to compare");
        }
        return diff / scale;
    }

    private static Tensor sum(List<Tensor> tensors) {
        Tensor s = tensors.get(0).clone();
        for (int i = 1; i < tensors.size(); i++) {
            s.add_(tensors.get(i));
        }
        return s;
    }

    private static List<Tensor> copy(Module network) {
        TensorVector params = network.parameters();
        List<Tensor> out = new ArrayList<>();
        for (long i = 0; i < params.size(); i++) {
            out.add(params.get(i).detach().clone());
        }
        return out;
    }

    private static List<Tensor> minus(List<Tensor> after, List<Tensor> before) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            out.add(after.get(i).sub(before.get(i)));
        }
        return out;
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        Random r = new Random(random.nextLong());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static Tensor classes(SplittableRandom random) {
        long[] c = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            c[i] = random.nextInt(CLASSES);
        }
        return Tensors.fromLongs(c, ComputeDevice.CPU, ROWS);
    }

    /** Consecutive rows of a fixed tensor, starting over at its end. */
    private static final class Rows {
        private final Tensor all;
        private long next;

        Rows(Tensor all) {
            this.all = all;
        }

        Tensor next(int n) {
            if (next + n > all.size(0)) {
                throw new IllegalStateException("a forward of " + n + " rows straddles the end of the " + all.size(0)
                        + "-row window");
            }
            Tensor rows = all.narrow(0, next, n);
            next = (next + n) % all.size(0);
            return rows;
        }
    }

    /**
     * A generator whose BatchNorm layers use their running statistics (eval mode) in every
     * forward, training included: no batch-dependent layer and no state that forwards change.
     */
    private static final class FixedStatistics extends Generator {
        private final Generator inner;

        FixedStatistics(Generator inner) {
            this.inner = register_module("inner", inner);
        }

        @Override
        public Tensor forward(Tensor z, Tensor classes) {
            inner.eval(); // the step sets training mode at every iteration; gradients flow either way
            return inner.forward(z, classes);
        }

        @Override public int latentDim() { return inner.latentDim(); }
        @Override public int numClasses() { return inner.numClasses(); }
        @Override public int resolution() { return inner.resolution(); }
        @Override public int imageChannels() { return inner.imageChannels(); }
    }
}
