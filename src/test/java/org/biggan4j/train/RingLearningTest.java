package org.biggan4j.train;

import org.biggan4j.config.TrainConfig.ObjectiveConfig;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.RegularizerConfig;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.data.toy.ModeCoverage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.biggan4j.train.RingTraining.NONE;
import static org.biggan4j.train.RingTraining.adam;
import static org.biggan4j.train.RingTraining.assertCovers;

/**
 * Seeded learning tests through the real training step: MLP G and D (width 128) on a ring of 8
 * Gaussians, 3,000 iterations (see {@link RingTraining} for the setting and the measures). The
 * other objectives and instance noise are in {@link RingObjectivesLearningTest}.
 */
@ExtendWith(RingTraining.SingleThread.class)
class RingLearningTest {

    private static ModeCoverage.Result train(ObjectiveKind kind, RegularizerConfig regs, OptimizerConfig opt, int dSteps,
                                             int iterations, String label) {
        return RingTraining.train(new ObjectiveConfig(kind, 1.0, 0, 1), regs, opt, dSteps, iterations, 128, label);
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
