package org.biggan4j.train;

import org.biggan4j.config.TrainConfig.ObjectiveConfig;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.RegularizerConfig;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.data.toy.ModeCoverage;
import org.biggan4j.data.toy.RingOfGaussians;
import org.biggan4j.loss.Objectives;
import org.biggan4j.model.mlp.MlpDiscriminator;
import org.biggan4j.model.mlp.MlpGenerator;
import org.biggan4j.regularize.Regularizers;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.optim.Optimizers;
import org.bytedeco.pytorch.NoGradGuard;
import org.biggan4j.train.optim.ParameterOptimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded learning tests through the real training step: MLP G and D on a ring of 8 Gaussians
 * (radius 2, std 0.02). A mode counts when at least 20 of 2,500 samples lie within 3 std of it;
 * quality is the fraction of samples within 3 std of some mode. One intra-op thread keeps the
 * runs reproducible.
 */
class RingLearningTest {

    private static int threadsBefore;

    @BeforeAll
    static void singleThread() {
        threadsBefore = torch.get_num_threads();
        torch.set_num_threads(1);
    }

    @AfterAll
    static void restoreThreads() {
        torch.set_num_threads(threadsBefore);
    }

    private static OptimizerConfig adam(double beta2) {
        return new OptimizerConfig(OptimizerKind.ADAM, 1e-3, 0.5, beta2, 1e-8, 0, 0.99, 0, Schedule.CONSTANT, 0);
    }

    private static ModeCoverage.Result train(ObjectiveKind kind, RegularizerConfig regs, OptimizerConfig opt, int dSteps,
                                             int iterations, String label) {
        long seed = 1;
        Seeds.seedTorch(seed);
        RingOfGaussians ring = RingOfGaussians.standard();
        MlpGenerator g = new MlpGenerator(8, 128, 2, 2);
        MlpDiscriminator d = new MlpDiscriminator(2, 128, 2);
        ParameterOptimizer gOpt = Optimizers.create(opt, g.parameters());
        ParameterOptimizer dOpt = Optimizers.create(opt, d.parameters());
        int batch = 256;
        LatentSource latents = new LatentSource() {
            @Override public Tensor latents(int n) { return Tensors.randn(ComputeDevice.CPU, n, 8); }
            @Override public Tensor classes(int n) { return null; }
        };
        // Constant learning rate for the first half, then linear decay to 0: it sharpens the modes.
        OptimizerConfig decayed = new OptimizerConfig(opt.kind(), opt.lr(), opt.beta1(), opt.beta2(), opt.eps(),
                opt.momentum(), opt.alpha(), opt.weightDecay(), Schedule.LINEAR_DECAY, iterations / 2);
        var schedule = Optimizers.schedule(decayed, iterations);
        GanStep step = new GanStep(new GanStep.Player<>(g, gOpt, schedule), new GanStep.Player<>(d, dOpt, schedule),
                Objectives.create(new ObjectiveConfig(kind, 1.0, 0, 1)), Regularizers.create(regs),
                () -> new RealBatch(ring.sample(batch, ComputeDevice.CPU), null), latents, it -> { },
                new StepSettings(batch, dSteps, 1, seed, false), ComputeDevice.CPU);
        long start = System.nanoTime();
        for (int i = 1; i <= iterations; i++) {
            final long it = i;
            NativeMemory.scoped(() -> step.run(it));
        }
        ModeCoverage.Result r = NativeMemory.scoped(() -> {
            try (NoGradGuard ng = new NoGradGuard()) {
                return new ModeCoverage(ring, 20).evaluate(g.forward(Tensors.randn(ComputeDevice.CPU, 2500, 8), null));
            }
        });
        System.out.printf("[ring] %s: %s in %.1f s%n", label, r, (System.nanoTime() - start) / 1e9);
        return r;
    }

    private static final RegularizerConfig NONE = new RegularizerConfig(0, 0, 0, 0, 0, 0, 0);

    private static void assertCovers(ModeCoverage.Result r, int modes, double quality) {
        assertTrue(r.modesCovered() >= modes, "expected at least " + modes + " modes: " + r);
        assertTrue(r.highQualityFraction() >= quality, "expected quality >= " + quality + ": " + r);
    }

    @Test
    void hingeCoversTheRing() {
        assertCovers(train(ObjectiveKind.HINGE, NONE, adam(0.999), 1, 3000, "hinge"), 7, 0.70);
    }

    @Test
    void nonSaturatingCoversTheRing() {
        assertCovers(train(ObjectiveKind.NON_SATURATING, NONE, adam(0.999), 1, 3000, "non-saturating"), 7, 0.70);
    }

    @Test
    void leastSquaresCoversTheRing() {
        assertCovers(train(ObjectiveKind.LEAST_SQUARES, NONE, adam(0.999), 1, 3000, "least squares"), 7, 0.70);
    }

    @Test
    void wganGpCoversTheRing() {
        // Gulrajani et al.'s toy setting: 5 critic steps, Adam (0.5, 0.9), a small lambda for 2-D data.
        assertCovers(train(ObjectiveKind.WASSERSTEIN, new RegularizerConfig(0.1, 0, 0, 0, 0, 0, 0), adam(0.9), 5, 2000,
                "wgan-gp"), 7, 0.70);
    }

    @Test
    void wganWithClippingCoversMostModes() {
        // RMSProp without momentum and 5 critic steps as in the WGAN paper; c and lr scaled up for 2-D data
        // (the paper's c = 0.01, lr 5e-5 learn far too slowly for a test).
        OptimizerConfig rms = new OptimizerConfig(OptimizerKind.RMSPROP, 1e-3, 0, 0.999, 1e-8, 0, 0.99, 0,
                Schedule.CONSTANT, 0);
        assertCovers(train(ObjectiveKind.WASSERSTEIN, new RegularizerConfig(0, 0, 0, 0, 0.5, 0, 0), rms, 5, 2000,
                "wgan-clip"), 5, 0.0);
    }
}
