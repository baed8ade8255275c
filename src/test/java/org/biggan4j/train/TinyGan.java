package org.biggan4j.train;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.loss.CriticOutputs;
import org.biggan4j.loss.GanObjective;
import org.biggan4j.loss.LossTerms;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.regularize.Regularizer;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.optim.Optimizers;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/** A tiny GAN on 2x2 "images" for testing the step and the session without the real models. */
final class TinyGan {

    static final class TinyGenerator extends Generator {
        final LinearImpl l1 = register_module("l1", new LinearImpl(4, 16));
        final LinearImpl l2 = register_module("l2", new LinearImpl(16, 4));

        @Override
        public Tensor forward(Tensor z, Tensor classes) {
            return torch.tanh(l2.forward(torch.relu(l1.forward(z)))).reshape(-1, 1, 2, 2);
        }

        @Override public int latentDim() { return 4; }
        @Override public int numClasses() { return 0; }
        @Override public int resolution() { return 2; }
        @Override public int imageChannels() { return 1; }
    }

    static final class TinyDiscriminator extends Discriminator {
        final LinearImpl l1 = register_module("l1", new LinearImpl(4, 16));
        final LinearImpl l2 = register_module("l2", new LinearImpl(16, 1));

        /** Whether it says its scores are per image (they are); false forces separate forwards. */
        boolean batchIndependent = true;
        int forwards;

        @Override
        public Tensor forward(Tensor images, Tensor classes) {
            forwards++;
            return l2.forward(torch.relu(l1.forward(images.reshape(-1, 4)))).reshape(-1);
        }

        @Override public boolean scoresBatchIndependent() { return batchIndependent; }
        @Override public int numClasses() { return 0; }
    }

    /** Hinge loss; NaN while {@link #poisoned} is set or for the next {@link #poisonCalls} D losses. */
    static class Hinge implements GanObjective {
        volatile boolean poisoned;
        int poisonCalls;

        @Override public String name() { return "hinge"; }

        @Override
        public LossTerms discriminatorLoss(CriticOutputs o) {
            Tensor loss = torch.relu(o.realScores().neg().add(new Scalar(1.0))).mean()
                    .add(torch.relu(o.fakeScores().add(new Scalar(1.0))).mean());
            if (poisoned || poisonCalls-- > 0) {
                loss = loss.mul(new Scalar(Double.NaN));
            }
            return LossTerms.of(loss);
        }

        @Override
        public LossTerms generatorLoss(CriticOutputs o) {
            return LossTerms.of(o.fakeScores().mean().neg());
        }
    }

    /** Synthetic data: 64 fixed points; the order is a seeded permutation per epoch. */
    static final class Source implements ResumableBatchSource {
        final Tensor all;
        final int batch;
        final long seed;
        long drawn;

        Source(int batch, long seed) {
            this.batch = batch;
            this.seed = seed;
            float[] v = new float[64 * 4];
            var r = Seeds.stream(seed, "tiny-data");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextDouble() * 2 - 1);
            }
            all = Tensors.fromFloats(v, ComputeDevice.CPU, 64, 1, 2, 2);
        }

        @Override
        public RealBatch next() {
            long[] idx = new long[batch];
            for (int i = 0; i < batch; i++) {
                long k = drawn++;
                long epoch = k / 64;
                long[] perm = Seeds.stream(seed, "epoch" + epoch).longs(64, 0, 1 << 30).toArray();
                idx[i] = (int) (Math.floorMod(perm[(int) (k % 64)], 64));
            }
            return new RealBatch(all.index_select(0, Tensors.fromLongs(idx, ComputeDevice.CPU, batch)), null);
        }

        @Override public Map<String, Object> position() { return Map.of("drawn", drawn); }
        @Override public void restore(Map<String, Object> p) { drawn = ((Number) p.get("drawn")).longValue(); }
        @Override public List<String> classNames() { return List.of(); }
        @Override public String description() { return "tiny synthetic"; }
        @Override public void close() { }
    }

    static TrainConfig config(long iterations, int checkpointEvery, String onNonFinite) {
        return ConfigLoader.load("dcgan", List.of("training.iterations=" + iterations, "training.batch_size=8",
                "training.d_steps=2", "output.checkpoint_every=" + checkpointEvery, "output.log_every=1",
                "output.keep_last=10", "training.on_non_finite=" + onNonFinite, "seed=11"));
    }

    /** A session with fresh, seeded networks. */
    static TrainingSession session(TrainConfig config, Path runDir, Hinge objective,
                                   Regularizer... regularizers) {
        return session(config, runDir, objective, null, regularizers);
    }

    /**
     * A session whose step follows {@code interventions} (learning rates, optimiser settings,
     * freezing, moment resets), as {@link SessionFactory} builds it; null = a plain step with
     * learning rate 1e-3.
     */
    static TrainingSession session(TrainConfig config, Path runDir, Hinge objective, Interventions interventions,
                                   Regularizer... regularizers) {
        Seeds.seedTorch(config.seed());
        TinyGenerator g = new TinyGenerator();
        TinyGenerator ema = new TinyGenerator();
        TinyDiscriminator d = new TinyDiscriminator();
        // libtorch's AdamOptions defaults: betas (0.9, 0.999), eps 1e-8.
        TrainConfig.OptimizerConfig adam = new TrainConfig.OptimizerConfig(TrainConfig.OptimizerKind.ADAM, 1e-3, 0.9,
                0.999, 1e-8, 0, 0.99, 0, TrainConfig.Schedule.CONSTANT, 0);
        var gOpt = Optimizers.create(adam, g.parameters());
        var dOpt = Optimizers.create(adam, d.parameters());
        Source data = new Source(config.training().batchSize(), config.seed());
        LatentSource latents = new LatentSource() {
            @Override public Tensor latents(int batch) { return Tensors.randn(ComputeDevice.CPU, batch, 4); }
            @Override public Tensor classes(int batch) { return null; }
        };
        LongToDoubleFunction lrG = interventions == null ? it -> 1e-3
                : interventions.learningRate(Interventions.Network.GENERATOR);
        LongToDoubleFunction lrD = interventions == null ? it -> 1e-3
                : interventions.learningRate(Interventions.Network.DISCRIMINATOR);
        GanStep step = new GanStep(new GanStep.Player<>(g, gOpt, lrG), new GanStep.Player<>(d, dOpt, lrD), objective,
                List.of(regularizers), data, latents,
                it -> {
                    // EMA with decay 0.5, exact in binary, enough to make G_ema differ from G.
                    var src = StateDict.of(g);
                    var dst = StateDict.of(ema);
                    try (var ng = new NoGradGuard()) {
                        dst.forEach((k, v) -> v.mul_(new Scalar(0.5))
                                .add_(src.get(k).mul(new Scalar(0.5))));
                    }
                },
                new StepSettings(config.training().batchSize(), config.training().dSteps(), 1, config.seed(), false),
                ComputeDevice.CPU, interventions);
        return new TrainingSession(config, runDir, ComputeDevice.CPU, g, ema, d, data, step);
    }

    private TinyGan() {
    }
}
