package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Precision/recall and density/coverage against plain double loops, with and without chunking. */
class ManifoldMetricsTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    static Tensor matrix(double[][] m) {
        return Tensors.fromDoubles(Brute.flatten(m), CPU, m.length, m[0].length);
    }

    static double[][] shifted(double[][] x, double shift, double scale) {
        double[][] y = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                y[i][j] = shift + scale * x[i][j];
            }
        }
        return y;
    }

    @Test
    void precisionRecallDensityCoverageMatchBruteForce() {
        SplittableRandom r = new SplittableRandom(21);
        double[][] real = Brute.gaussian(r, 70, 5, 0.0);
        double[][] fake = shifted(Brute.gaussian(r, 55, 5, 0.0), 0.7, 1.4);    // partly overlapping
        for (long chunk : new long[] {1L << 25, 64, 1}) {                        // whole, several rows, one row per chunk
            for (int k : new int[] {1, 3, 5}) {
                PrecisionRecall pr = NativeMemory.scoped(() -> PrecisionRecall.compute(matrix(real), matrix(fake), k, chunk));
                double precision = Brute.coveredFraction(fake, real, Brute.radii(real, k));
                double recall = Brute.coveredFraction(real, fake, Brute.radii(fake, k));
                assertEquals(precision, pr.precision(), 1e-12, "precision, k = " + k + ", chunk " + chunk);
                assertEquals(recall, pr.recall(), 1e-12, "recall, k = " + k + ", chunk " + chunk);
                assertTrue(precision > 0 && precision < 1 && recall > 0 && recall < 1, "a non-trivial case");

                DensityCoverage dc = NativeMemory.scoped(() -> DensityCoverage.compute(matrix(real), matrix(fake), k, chunk));
                assertEquals(Brute.density(real, fake, k), dc.density(), 1e-12, "density, k = " + k);
                assertEquals(Brute.coverage(real, fake, k), dc.coverage(), 1e-12, "coverage, k = " + k);

                // With the real radii computed once beforehand (what SampleEvaluator does across truncations).
                NativeMemory.scoped(() -> {
                    Tensor radii = Neighbourhoods.radii(matrix(real), k, chunk);
                    assertEquals(pr, PrecisionRecall.compute(matrix(real), radii, matrix(fake), k, chunk));
                    assertEquals(dc, DensityCoverage.compute(matrix(real), radii, matrix(fake), k, chunk));
                });
            }
        }
    }

    @Test
    void aSetAgainstItselfIsPerfect() {
        double[][] x = Brute.gaussian(new SplittableRandom(22), 50, 4, 0.0);
        PrecisionRecall pr = NativeMemory.scoped(() -> PrecisionRecall.compute(matrix(x), matrix(x)));
        assertEquals(1.0, pr.precision());
        assertEquals(1.0, pr.recall());
        assertEquals(PrecisionRecall.DEFAULT_K, pr.k());
        DensityCoverage dc = NativeMemory.scoped(() -> DensityCoverage.compute(matrix(x), matrix(x)));
        assertEquals(1.0, dc.coverage());
        // Against itself, every k-th neighbour lies exactly on a ball's boundary; cdist's matrix-product
        // distances may round d(i, j) and d(j, i) apart, so a few of these exact ties can fall either way.
        assertEquals(Brute.density(x, x, 5), dc.density(), 0.02);
    }

    @Test
    void badInputsAreExplained() {
        double[][] x = Brute.gaussian(new SplittableRandom(23), 4, 3, 0.0);
        double[][] y = Brute.gaussian(new SplittableRandom(24), 10, 2, 0.0);
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> NativeMemory.scoped(() -> PrecisionRecall.compute(matrix(x), matrix(x), 5)));
        assertTrue(few.getMessage().contains("k = 5"), few.getMessage());
        IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
                () -> NativeMemory.scoped(() -> DensityCoverage.compute(matrix(x), matrix(y), 1)));
        assertTrue(dims.getMessage().contains("has 3") && dims.getMessage().contains("has 2"), dims.getMessage());
    }
}
