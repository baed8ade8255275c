package org.biggan4j.train;

import org.biggan4j.config.TrainConfig.ObjectiveConfig;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.config.TrainConfig.RegularizerConfig;
import org.biggan4j.data.toy.ModeCoverage;
import org.biggan4j.model.Discriminator;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.biggan4j.train.RingTraining.NONE;
import static org.biggan4j.train.RingTraining.adam;
import static org.biggan4j.train.RingTraining.assertCovers;

/**
 * Objectives {@link RingLearningTest} leaves out, and instance noise, shown to learn the ring of
 * 8 Gaussians through the real training step (setting and measures in {@link RingTraining}).
 * Smaller than there (width {@value #WIDTH}, {@value #ITERATIONS} iterations) to keep the runs
 * cheap; each threshold is what its run reached at seed 1, with margin, and the measured numbers
 * are in each test's comment. The loss-sensitive GAN (Qi 2017) learns the least: in every setting
 * tried (raw critic, gradient penalty 0.1 to 10, 5 critic steps, R1, L = softplus(critic), lambda 1
 * and 10) it covers at most 1 of 8 modes; what it does learn is where the data are, so its test
 * measures that.
 */
@ExtendWith(RingTraining.SingleThread.class)
class RingObjectivesLearningTest {

    private static final int WIDTH = 64;
    private static final int ITERATIONS = 2000;

    private static ModeCoverage.Result train(ObjectiveConfig objective, RegularizerConfig regs, String label) {
        return RingTraining.train(objective, regs, adam(0.999), 1, ITERATIONS, WIDTH, label);
    }

    @Test
    void minimaxCoversMostOfTheRing() {
        // Goodfellow et al. 2014's saturating G loss, log(1 - D(G(z))). Measured at seed 1: 6 of 8
        // modes, 50.4% high quality (per mode 175, 216, 14, 188, 249, 223, 19, 176).
        ModeCoverage.Result r = train(new ObjectiveConfig(ObjectiveKind.MINIMAX, 1.0, 0, 1), NONE, "minimax");
        assertCovers(r, 5, 0.40);
    }

    @Test
    void ebganFindsSomeModes() {
        // Zhao et al. 2017: an auto-encoder critic whose score is the reconstruction energy, margin
        // 1. Measured at seed 1: 3 of 8 modes, 14.4% high quality (per mode 13, 4, 24, 8, 227, 67,
        // 6, 10): it finds modes but collapses onto a few, the weakest here. The pull-away term
        // at the ebgan preset's 0.1 did not help (3 modes, 6.9%).
        ModeCoverage.Result r = RingTraining.train(new ObjectiveConfig(ObjectiveKind.EBGAN, 1.0, 0, 1), NONE,
                adam(0.999), 1, ITERATIONS, WIDTH, PointAutoencoder::new, "ebgan");
        assertCovers(r, 2, 0.10);
    }

    @Test
    void lossSensitiveGanPullsTheSamplesOntoTheRingButCollapses() {
        // Qi 2017 with a Lipschitz critic (gradient penalty 10), lambda 10, Adam 1e-4 (0.5, 0.9).
        // Measured at seed 1: the mean distance from a sample to its nearest mode falls from 1.894
        // (G after 2 iterations) to 0.565 after 2,000, but the samples gather around one mode
        // (1 of 8 covered, 0.9% high quality): it finds the data, not their modes.
        ObjectiveConfig ls = new ObjectiveConfig(ObjectiveKind.LOSS_SENSITIVE, 1.0, 0, 10.0);
        RegularizerConfig gp = new RegularizerConfig(10, 0, 0, 0, 0, 0, 0);
        OptimizerConfig adam = new OptimizerConfig(OptimizerKind.ADAM, 1e-4, 0.5, 0.9, 1e-8, 0, 0.99, 0,
                Schedule.CONSTANT, 0);
        ModeCoverage.Result start = RingTraining.train(ls, gp, adam, 1, 2, WIDTH, "loss-sensitive, start");
        ModeCoverage.Result end = RingTraining.train(ls, gp, adam, 1, ITERATIONS, WIDTH, "loss-sensitive");
        assertTrue(end.meanDistanceToNearestMode() < 0.8, end.toString());
        assertTrue(end.meanDistanceToNearestMode() < 0.5 * start.meanDistanceToNearestMode(), start + " -> " + end);
    }

    @Test
    void instanceNoiseAnnealedAwayStillCoversMostOfTheRing() {
        // Sonderby et al. 2017: noise of std 0.2 (10 x the modes' own) on D's inputs, annealed to 0
        // over the first half, with the non-saturating loss. Measured at seed 1: 6 of 8 modes,
        // 53.1% high quality (per mode 59, 343, 249, 12, 86, 275, 298, 6).
        ModeCoverage.Result r = train(new ObjectiveConfig(ObjectiveKind.NON_SATURATING, 1.0, 0, 1),
                new RegularizerConfig(0, 0, 0, 0, 0, 0.2, ITERATIONS / 2), "instance noise");
        assertCovers(r, 5, 0.40);
    }

    /**
     * EBGAN's critic for points: an MLP auto-encoder {@code 2 -> width -> 2 -> width -> 2}
     * (LeakyReLU 0.2) whose score is the squared reconstruction error, so energies are >= 0
     * as EBGAN's margin loss assumes; the 2-value code is the embedding.
     */
    static final class PointAutoencoder extends Discriminator {
        private final LinearImpl encode1;
        private final LinearImpl encode2;
        private final LinearImpl decode1;
        private final LinearImpl decode2;
        private Tensor code;

        PointAutoencoder(int width) {
            encode1 = register_module("encode1", new LinearImpl(2, width));
            encode2 = register_module("encode2", new LinearImpl(width, 2));
            decode1 = register_module("decode1", new LinearImpl(2, width));
            decode2 = register_module("decode2", new LinearImpl(width, 2));
        }

        @Override
        public Tensor forward(Tensor images, Tensor classes) {
            Scalar leak = new Scalar(0.2);
            Tensor x = images.reshape(images.size(0), 2);                              // [B, 2]
            code = encode2.forward(torch.leaky_relu(encode1.forward(x), leak));         // [B, 2]
            Tensor back = decode2.forward(torch.leaky_relu(decode1.forward(code), leak));
            Tensor error = back.sub(x);
            return error.mul(error).sum(new long[] {1}, false, null);                   // [B]
        }

        @Override
        public Tensor lastEmbedding() {
            return code;
        }

        @Override
        public int numClasses() {
            return 0;
        }
    }
}
