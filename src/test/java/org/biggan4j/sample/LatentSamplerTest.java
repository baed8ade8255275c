package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatentSamplerTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    /** erf by its Maclaurin series, exact to double precision for |x| <= 3 (all the test needs). */
    static double erf(double x) {
        double sum = 0;
        double term = x;             // (-1)^n x^(2n+1) / n!
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    static double phi(double t) {
        return Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
    }

    static double bigPhi(double t) {
        return 0.5 * (1 + erf(t / Math.sqrt(2)));
    }

    /** Variance of N(0, 1) truncated to [-t, t]: 1 - 2 t phi(t) / (2 Phi(t) - 1). */
    static double truncatedVariance(double t) {
        return 1 - 2 * t * phi(t) / (2 * bigPhi(t) - 1);
    }

    static double[] draw(LatentDistribution d, long seed, int rows, int dim) {
        try (LatentSampler s = new LatentSampler(d, dim, seed, CPU)) {
            return NativeMemory.scoped(() -> Tensors.toDoubles(s.sample(rows)));
        }
    }

    @Test
    void theTestsErfIsRight() {
        assertEquals(0.8427007929497149, erf(1.0), 1e-15);           // Abramowitz & Stegun table value
        assertEquals(0.9953222650189527, erf(2.0), 1e-15);
        assertEquals(0.6826894921370859, 2 * bigPhi(1) - 1, 1e-15);  // the one-sigma mass
    }

    @Test
    void truncatedSamplesStayInsideAndHaveTheTruncatedVariance() {
        for (double t : new double[] {0.04, 0.5, 1.0, 2.0}) {
            double[] z = draw(LatentDistribution.truncated(t), 11, 2000, 128);   // 256k components
            double max = 0;
            double sum = 0;
            double sumSq = 0;
            for (double v : z) {
                max = Math.max(max, Math.abs(v));
                sum += v;
                sumSq += v * v;
            }
            double mean = sum / z.length;
            double variance = sumSq / z.length - mean * mean;
            double expected = truncatedVariance(t);
            assertTrue(max <= t, "threshold " + t + " exceeded: " + max);
            // Not a scaled normal: a scaled N(0, 1) would have variance t^2 and exceed t.
            assertEquals(expected, variance, 0.01 * expected, "variance at threshold " + t);
            assertEquals(0, mean, 5 * Math.sqrt(expected / z.length), "mean at threshold " + t);
            // The tail really is cut: components near the bound occur (no shrinkage towards 0).
            assertTrue(max > 0.99 * t, "samples reach the bound");
        }
    }

    @Test
    void theSameSeedGivesTheSameLatentsAndResetRepeats() {
        LatentDistribution d = LatentDistribution.truncated(0.7);
        assertArrayEquals(draw(d, 5, 8, 16), draw(d, 5, 8, 16));
        assertFalse(Arrays.equals(draw(d, 5, 8, 16), draw(d, 6, 8, 16)));
        try (LatentSampler s = new LatentSampler(d, 16, 5, CPU)) {
            double[] first = NativeMemory.scoped(() -> Tensors.toDoubles(s.sample(8)));
            double[] second = NativeMemory.scoped(() -> Tensors.toDoubles(s.sample(8)));
            assertFalse(Arrays.equals(first, second), "successive batches differ");
            s.reset();
            assertArrayEquals(first, NativeMemory.scoped(() -> Tensors.toDoubles(s.sample(8))));
        }
    }

    @Test
    void theSamplerDoesNotTouchTheGlobalGenerator() {
        torch.manual_seed(3);
        double[] before = NativeMemory.scoped(() -> Tensors.toDoubles(Tensors.randn(CPU, 4)));
        torch.manual_seed(3);
        draw(LatentDistribution.NORMAL, 1, 4, 4);
        double[] after = NativeMemory.scoped(() -> Tensors.toDoubles(Tensors.randn(CPU, 4)));
        assertArrayEquals(before, after);
    }

    @Test
    void theOtherLatentsHaveTheirSupportAndMoments() {
        int n = 100 * 128;
        double[] u = draw(LatentDistribution.UNIFORM, 2, 100, 128);
        double[] b = draw(LatentDistribution.BERNOULLI, 2, 100, 128);
        double[] c = draw(LatentDistribution.CENSORED_NORMAL, 2, 100, 128);
        double[] z = draw(LatentDistribution.NORMAL, 2, 100, 128);
        double uSq = 0;
        double bSum = 0;
        double cSum = 0;
        int cZero = 0;
        double zSq = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(u[i] >= -1 && u[i] <= 1);
            assertTrue(b[i] == 0 || b[i] == 1);
            assertTrue(c[i] >= 0);
            uSq += u[i] * u[i];
            bSum += b[i];
            cSum += c[i];
            cZero += c[i] == 0 ? 1 : 0;
            zSq += z[i] * z[i];
        }
        assertEquals(1.0 / 3, uSq / n, 0.01);                       // E[U^2] for U[-1, 1]
        assertEquals(0.5, bSum / n, 0.02);
        assertEquals(1 / Math.sqrt(2 * Math.PI), cSum / n, 0.02);   // E[max(Z, 0)] = phi(0)
        assertEquals(0.5, (double) cZero / n, 0.02);
        assertEquals(1.0, zSq / n, 0.03);
    }

    @Test
    void textualFormsRoundTripAndBadOnesAreExplained() {
        for (LatentDistribution d : new LatentDistribution[] {LatentDistribution.NORMAL, LatentDistribution.truncated(0.5),
                LatentDistribution.UNIFORM, LatentDistribution.BERNOULLI, LatentDistribution.CENSORED_NORMAL}) {
            assertEquals(d, LatentDistribution.parse(d.describe()));
        }
        assertEquals(LatentDistribution.truncated(0.04), LatentDistribution.parse("Truncated:0.04"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LatentDistribution.parse("gauss"));
        assertTrue(e.getMessage().contains("'gauss'") && e.getMessage().contains("truncated:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LatentDistribution.parse("truncated:-1"));
        assertThrows(IllegalArgumentException.class, () -> LatentDistribution.parse("truncated:x"));
        assertThrows(IllegalArgumentException.class, () -> new LatentSampler(LatentDistribution.NORMAL, 0, 1, CPU));
    }

    @Test
    void tfHubTruncationScalesANormalTruncatedAtTwo() {
        // pytorch-pretrained-BigGAN's truncated_noise_sample: truncation * truncnorm(-2, 2).
        double t = 0.4;
        double[] z = draw(new LatentDistribution.ScaledTruncatedNormal(t), 5, 1000, 128);
        double max = 0;
        double sumSq = 0;
        for (double v : z) {
            max = Math.max(max, Math.abs(v));
            sumSq += v * v;
        }
        assertTrue(max <= 2 * t + 1e-6, "all within 2T: " + max);
        assertTrue(max > 1.9 * t, "and the bound is reached: " + max);
        double variance = sumSq / z.length;
        assertEquals(t * t * truncatedVariance(2.0), variance, 0.01 * t * t);
        assertEquals(new LatentDistribution.ScaledTruncatedNormal(0.4), LatentDistribution.parse("scaled-truncated:0.4"));
        assertThrows(IllegalArgumentException.class, () -> new LatentDistribution.ScaledTruncatedNormal(1.5));
    }
}
