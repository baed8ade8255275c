package org.biggan4j.eval;

import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KidTest {

    /** Rows of Gaussian features with mean {@code shift}, as plain arrays (the test's own truth). */
    private static double[][] gaussian(int n, int d, double shift, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = shift + r.nextGaussian();
            }
        }
        return x;
    }

    private static Tensor tensor(double[][] x) {
        double[] flat = new double[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, flat, i * x[0].length, x[0].length);
        }
        return Tensors.fromDoubles(flat, ComputeDevice.CPU, x.length, x[0].length);
    }

    /** The unbiased MMD^2 of one pair of subsets, written out as the paper's double sums. */
    private static double mmdByLoops(double[][] a, double[][] b, int from, int m) {
        int d = a[0].length;
        double xx = 0, yy = 0, xy = 0;
        for (int i = from; i < from + m; i++) {
            for (int j = from; j < from + m; j++) {
                if (i != j) {
                    xx += k(a[i], a[j], d);
                    yy += k(b[i], b[j], d);
                }
                xy += k(a[i], b[j], d);
            }
        }
        return xx / (m * (m - 1.0)) + yy / (m * (m - 1.0)) - 2 * xy / ((double) m * m);
    }

    private static double k(double[] x, double[] y, int d) {
        double dot = 0;
        for (int i = 0; i < d; i++) {
            dot += x[i] * y[i];
        }
        return Math.pow(dot / d + 1, 3);
    }

    @Test
    void matchesThePaperDoubleSumsOverDisjointConsecutiveSubsets() {
        double[][] a = gaussian(250, 8, 0.0, 1);
        double[][] b = gaussian(210, 8, 0.3, 2);
        NativeMemory.scoped(() -> {
            Kid kid = Kid.of(tensor(a), tensor(b), 100);
            assertEquals(2, kid.subsets());
            assertEquals(100, kid.subsetSize());
            double e0 = mmdByLoops(a, b, 0, 100);
            double e1 = mmdByLoops(a, b, 100, 100);
            assertEquals((e0 + e1) / 2, kid.mean(), 1e-9 * Math.abs(e0 + e1));
            assertEquals(Math.abs(e0 - e1) / 2, kid.std(), 1e-9 + 1e-9 * Math.abs(e0 - e1));
        });
    }

    @Test
    void theSubsetSizeIsTheSmallerSetUpTo1000() {
        NativeMemory.scoped(() -> {
            Kid kid = Kid.of(tensor(gaussian(30, 4, 0, 3)), tensor(gaussian(45, 4, 0, 4)));
            assertEquals(30, kid.subsetSize());
            assertEquals(1, kid.subsets());
            assertEquals(0.0, kid.std());
            assertEquals(mmdByLoops(gaussian(30, 4, 0, 3), gaussian(45, 4, 0, 4), 0, 30), kid.mean(), 1e-9);
        });
    }

    @Test
    void twoDrawsOfOneDistributionScoreNearZeroAndAShiftScoresClearlyMore() {
        NativeMemory.scoped(() -> {
            Kid same = Kid.of(tensor(gaussian(2000, 16, 0, 5)), tensor(gaussian(2000, 16, 0, 6)));
            Kid shifted = Kid.of(tensor(gaussian(2000, 16, 0, 5)), tensor(gaussian(2000, 16, 0.5, 7)));
            // Unbiased: the same distribution gives an estimate around 0 (either sign).
            assertTrue(Math.abs(same.mean()) < 0.01, "same distribution: " + same);
            assertTrue(shifted.mean() > 20 * Math.abs(same.mean()) && shifted.mean() > 0.05, "shifted: " + shifted);
        });
    }

    @Test
    void aSetAgainstItselfScoresFarBelowAnotherDistribution() {
        NativeMemory.scoped(() -> {
            double[][] a = gaussian(500, 16, 0, 8);
            Kid self = Kid.of(tensor(a), tensor(a));
            Kid shifted = Kid.of(tensor(a), tensor(gaussian(500, 16, 0.5, 9)));
            // With X = Y the unbiased estimate is 2 (mean off-diagonal k - mean k over all pairs), small
            // next to a real difference (it is not exactly 0: the diagonal terms differ).
            assertEquals(mmdByLoops(a, a, 0, 500), self.mean(), 1e-9 * Math.abs(shifted.mean()));
            assertTrue(Math.abs(self.mean()) < 0.1 * shifted.mean(), self + " vs " + shifted);
        });
    }

    @Test
    void refusesMismatchedOrTinySets() {
        NativeMemory.scoped(() -> {
            assertThrows(IllegalArgumentException.class,
                    () -> Kid.of(tensor(gaussian(10, 4, 0, 1)), tensor(gaussian(10, 5, 0, 1))));
            assertThrows(IllegalArgumentException.class,
                    () -> Kid.of(tensor(gaussian(1, 4, 0, 1)), tensor(gaussian(10, 4, 0, 1))));
        });
    }
}
