package org.biggan4j.train;

import org.biggan4j.config.TrainConfig.ObjectiveConfig;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.RegularizerConfig;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.data.toy.ModeCoverage;
import org.biggan4j.data.toy.RingOfGaussians;
import org.biggan4j.loss.Objectives;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.mlp.MlpDiscriminator;
import org.biggan4j.model.mlp.MlpGenerator;
import org.biggan4j.regularize.Regularizers;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.optim.Optimizers;
import org.biggan4j.train.optim.ParameterOptimizer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded learning runs through the real training step on a ring of 8 Gaussians (radius 2, std
 * 0.02): an MLP G (z of 8) against a critic, batch 256, seed 1, a constant learning rate for
 * the first half and a linear decay to 0 over the second (it sharpens the modes). A mode counts
 * when at least 20 of 2,500 samples lie within 3 std of it; quality is the fraction of samples
 * within 3 std of some mode. Callers run with one intra-op thread, which keeps runs reproducible.
 */
final class RingTraining {

    /** No regulariser. */
    static final RegularizerConfig NONE = new RegularizerConfig(0, 0, 0, 0, 0, 0, 0);

    private static final int BATCH = 256;
    private static final ThreadMXBean CPU_CLOCK = ManagementFactory.getThreadMXBean();
    private static final int LATENT = 8;

    private RingTraining() {
    }

    /** Adam with beta1 0.5 and rate 1e-3. */
    static OptimizerConfig adam(double beta2) {
        return new OptimizerConfig(OptimizerKind.ADAM, 1e-3, 0.5, beta2, 1e-8, 0, 0.99, 0, Schedule.CONSTANT, 0);
    }

    /** A run against the MLP critic (2 hidden layers of {@code width}); G has the same width. */
    static ModeCoverage.Result train(ObjectiveConfig objective, RegularizerConfig regs, OptimizerConfig opt, int dSteps,
                                     int iterations, int width, String label) {
        return train(objective, regs, opt, dSteps, iterations, width, w -> new MlpDiscriminator(2, w, 2), label);
    }

    /**
     * A run against the critic {@code critic} builds for a width; G is an MLP with 2 hidden
     * layers of that width.
     */
    static ModeCoverage.Result train(ObjectiveConfig objective, RegularizerConfig regs, OptimizerConfig opt, int dSteps,
                                     int iterations, int width, IntFunction<Discriminator> critic, String label) {
        long seed = 1;
        Seeds.seedTorch(seed);
        RingOfGaussians ring = RingOfGaussians.standard();
        MlpGenerator g = new MlpGenerator(LATENT, width, 2, 2);
        Discriminator d = critic.apply(width);
        ParameterOptimizer gOpt = Optimizers.create(opt, g.parameters());
        ParameterOptimizer dOpt = Optimizers.create(opt, d.parameters());
        LatentSource latents = new LatentSource() {
            @Override public Tensor latents(int n) { return Tensors.randn(ComputeDevice.CPU, n, LATENT); }
            @Override public Tensor classes(int n) { return null; }
        };
        OptimizerConfig decayed = new OptimizerConfig(opt.kind(), opt.lr(), opt.beta1(), opt.beta2(), opt.eps(),
                opt.momentum(), opt.alpha(), opt.weightDecay(), Schedule.LINEAR_DECAY, iterations / 2);
        var schedule = Optimizers.schedule(decayed, iterations);
        GanStep step = new GanStep(new GanStep.Player<>(g, gOpt, schedule), new GanStep.Player<>(d, dOpt, schedule),
                Objectives.create(objective), Regularizers.create(regs),
                () -> new RealBatch(ring.sample(BATCH, ComputeDevice.CPU), null), latents, it -> { },
                new StepSettings(BATCH, dSteps, 1, seed, false), ComputeDevice.CPU);
        long start = System.nanoTime();
        long cpuStart = CPU_CLOCK.getCurrentThreadCpuTime();
        for (int i = 1; i <= iterations; i++) {
            final long it = i;
            NativeMemory.scoped(() -> step.run(it));
        }
        ModeCoverage.Result r = NativeMemory.scoped(() -> {
            try (NoGradGuard ng = new NoGradGuard()) {
                return new ModeCoverage(ring, 20).evaluate(g.forward(Tensors.randn(ComputeDevice.CPU, 2500, LATENT), null));
            }
        });
        // CPU time as well: on a shared machine it is what the run costs (one intra-op thread).
        System.out.printf("[ring] %s: %s in %.1f s (%.1f s CPU)%n", label, r, (System.nanoTime() - start) / 1e9,
                (CPU_CLOCK.getCurrentThreadCpuTime() - cpuStart) / 1e9);
        return r;
    }

    static void assertCovers(ModeCoverage.Result r, int modes, double quality) {
        assertTrue(r.modesCovered() >= modes, "expected at least " + modes + " modes: " + r);
        assertTrue(r.highQualityFraction() >= quality, "expected quality >= " + quality + ": " + r);
    }

    /**
     * One intra-op thread for a test class's runs (reproducible arithmetic), the previous count
     * restored after them: {@code @ExtendWith(RingTraining.SingleThread.class)}.
     */
    static final class SingleThread implements BeforeAllCallback, AfterAllCallback {
        private int before;

        @Override
        public void beforeAll(ExtensionContext context) {
            before = torch.get_num_threads();
            torch.set_num_threads(1);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            torch.set_num_threads(before);
        }
    }
}
