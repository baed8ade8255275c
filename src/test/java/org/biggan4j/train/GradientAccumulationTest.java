package org.biggan4j.train;

import org.biggan4j.train.AccumulationRun.Setup;
import org.biggan4j.train.AccumulationRun.Updates;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.biggan4j.train.AccumulationRun.ROWS;
import static org.biggan4j.train.AccumulationRun.mean;
import static org.biggan4j.train.AccumulationRun.relativeDifference;
import static org.biggan4j.train.AccumulationRun.run;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient accumulation ({@code training.accumulation}, {@link StepSettings}): k forwards of B/k
 * images whose gradients are averaged before one optimiser step. What it is supposed to equal
 * depends on BatchNorm, and both claims are tested on a small BigGAN ({@link AccumulationRun}):
 * <ul>
 *   <li>Without batch-dependent layers the accumulated update is the update of one batch of B:
 *       the mean of k micro-batch means is the mean over B, to float rounding. With spectral
 *       normalisation (BigGAN's setting) each training forward also runs one power iteration, so k
 *       micro-batches advance u and v k times where one batch advances them once. D's update
 *       starts from converged vectors (10 iterations at construction) and still matches; G's,
 *       taken against a D whose weights the D step just moved, sees sigma after k iterations
 *       instead of one and differs by 0.4% (k 2) to 1% (k 4) of the update. BigGAN-PyTorch's
 *       accumulation, and PyTorch's spectral_norm, behave the same; tested as measured.</li>
 *   <li>With G's BatchNorm in training mode each micro-batch is normalised with its own moments
 *       (as BigGAN-PyTorch's accumulation does; only cross-replica BN widens them, across
 *       processes, not across micro-batches): the accumulated update is then the mean of the k
 *       updates each micro-batch would give alone, and not the update of one batch of B.</li>
 * </ul>
 * float32 throughout (the step casts scores to float32), so equality is within float rounding:
 * differences are measured relative to the largest parameter change.
 */
class GradientAccumulationTest {

    private static final double LR = 0.01;
    /** float32 rounding of sums over B (measured values at each assertion). */
    private static final double FLOAT_TOLERANCE = 1e-4;
    /** G's update with spectral norm after D's step: the extra power iterations (measured below). */
    private static final double SPECTRAL_NORM_TOLERANCE = 0.05;

    @Test
    void withoutBatchStatisticsKMicroBatchesOfBOverKUpdateDAndGAsOneBatchOfB() {
        // G's BatchNorm with its running statistics: no layer depends on the batch. Both networks
        // move: D's update, then G's against the updated D, as in training.
        for (boolean spectralNorm : new boolean[] {false, true}) {
            Setup fixed = new Setup(false, spectralNorm);
            Updates one = run(fixed, ROWS, 1, 0, LR, LR, null);
            for (int k : new int[] {2, 4}) {
                Updates accumulated = run(fixed, ROWS / k, k, 0, LR, LR, null);
                double d = relativeDifference(accumulated.discriminator(), one.discriminator());
                double g = relativeDifference(accumulated.generator(), one.generator());
                System.out.printf("[accumulation] no batch statistics, spectral norm %s, k %d vs one batch: D %.2g, G %.2g%n",
                        spectralNorm, k, d, g);
                // Measured without spectral norm: D 1.7e-5 (k 2), 9.6e-6 (k 4); G 1.5e-5, 1.5e-5.
                // With it: D 7.6e-6, 9.2e-6; G 4.1e-3, 9.7e-3.
                assertTrue(d < FLOAT_TOLERANCE, "D update, accumulation " + k + ": relative difference " + d);
                if (!spectralNorm) {
                    assertTrue(g < FLOAT_TOLERANCE, "G update, accumulation " + k + ": relative difference " + g);
                } else {
                    // G's update runs k forwards of D and so k power iterations after D's step
                    // moved its weights, where one batch runs one: sigma, and the update, differ
                    // by the iterations' progress (BigGAN-PyTorch's accumulation does the same).
                    assertTrue(g < SPECTRAL_NORM_TOLERANCE, "G update, accumulation " + k + ": " + g);
                }
            }
        }
    }

    @Test
    void withBatchNormEachMicroBatchIsNormalisedAloneAndTheUpdateIsTheMeanOfTheirUpdates() {
        Setup training = new Setup(true, true);
        int k = 2;
        int micro = ROWS / k;
        // D's update does not depend on G's rate (G moves after it); G's is measured with D held
        // still (rate 0), so that every run's G update sees the same D.
        Updates accumulatedD = run(training, micro, k, 0, LR, LR, null);
        Updates accumulatedG = run(training, micro, k, 0, LR, 0, null);
        List<Updates> aloneD = new ArrayList<>();
        List<Updates> aloneG = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            aloneD.add(run(training, micro, 1, a * micro, LR, LR, null));
            aloneG.add(run(training, micro, 1, a * micro, LR, 0, null));
        }
        // SGD: each change is -lr x gradient, so the mean of the changes is the change of the mean gradient.
        double d = relativeDifference(accumulatedD.discriminator(), mean(aloneD).discriminator());
        double g = relativeDifference(accumulatedG.generator(), mean(aloneG).generator());
        // Measured: D 4.4e-7, G 4.6e-7.
        assertTrue(d < FLOAT_TOLERANCE, "D update vs the mean of the micro-batches' own: " + d);
        assertTrue(g < FLOAT_TOLERANCE, "G update vs the mean of the micro-batches' own: " + g);

        // And it is not one batch of B: moments over 4 images are not moments over 8.
        Updates oneG = run(training, ROWS, 1, 0, LR, 0, null);
        double apart = relativeDifference(accumulatedG.generator(), oneG.generator());
        System.out.printf("[accumulation] batch statistics, k 2: vs mean alone D %.2g, G %.2g; vs one batch G %.2g%n",
                d, g, apart);
        // Measured: 0.094.
        assertTrue(apart > 0.01, "per-micro-batch BatchNorm moments must change G's update measurably: " + apart);
    }
}
