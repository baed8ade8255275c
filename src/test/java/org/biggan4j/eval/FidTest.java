package org.biggan4j.eval;

import org.biggan4j.data.DataFormatException;
import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyArray;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FidTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    @TempDir
    Path dir;

    static FeatureStatistics stats(double[] mu, double[][] sigma) {
        return new FeatureStatistics(1000, mu, Brute.flatten(sigma));
    }

    static Tensor matrix(double[][] m) {
        return Tensors.fromDoubles(Brute.flatten(m), CPU, m.length, m[0].length);
    }

    @Test
    void aSetAgainstItselfHasZeroFid() {
        double[][] x = Brute.gaussian(new SplittableRandom(1), 400, 24, 3.0);
        double fid = NativeMemory.scoped(() -> {
            Tensor t = Tensors.fromFloats(Brute.flattenFloats(x), CPU, 400, 24);
            return Fid.distance(t, t, CPU);
        });
        assertTrue(fid >= 0 && fid < 1e-6, "FID of a set with itself: " + fid);
    }

    @Test
    void twoGaussiansWithCommutingCovariancesMatchTheClosedForm() {
        // S1 = Q^T diag(a) Q and S2 = Q^T diag(b) Q commute, so (S1 S2)^(1/2) = Q^T diag(sqrt(a b)) Q and
        // FID = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
        SplittableRandom r = new SplittableRandom(2);
        int d = 16;
        double[][] q = Brute.orthogonal(r, d);
        double[] a = new double[d];
        double[] b = new double[d];
        double[] mu1 = new double[d];
        double[] mu2 = new double[d];
        double expected = 0;
        for (int i = 0; i < d; i++) {
            a[i] = 0.1 + 3 * r.nextDouble();
            b[i] = 0.1 + 3 * r.nextDouble();
            mu1[i] = r.nextDouble() * 2 - 1;
            mu2[i] = r.nextDouble() * 2 - 1;
            expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        }
        double fid = Fid.distance(stats(mu1, Brute.withEigenvalues(q, a)), stats(mu2, Brute.withEigenvalues(q, b)), CPU);
        assertEquals(expected, fid, 1e-9 * expected);

        // Diagonal covariances, no rotation: the textbook case.
        double diag = Fid.distance(stats(mu1, Brute.withEigenvalues(Brute.identity(d), a)),
                stats(mu2, Brute.withEigenvalues(Brute.identity(d), b)), CPU);
        assertEquals(expected, diag, 1e-9 * expected);
    }

    @Test
    void generalCovariancesMatchAnIndependentDenmanBeaversComputation() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 5; trial++) {
            int d = 6 + 3 * trial;
            double[][] s1 = Brute.randomSpd(r, d);
            double[][] s2 = Brute.randomSpd(r, d);
            double expected = Brute.traceSqrtDenmanBeavers(Brute.mul(s1, s2));
            double actual = NativeMemory.scoped(() -> Fid.traceSqrtProduct(matrix(s1), matrix(s2)));
            assertEquals(expected, actual, 1e-6 * expected, "D = " + d);

            double[] mu1 = new double[d];
            double[] mu2 = new double[d];
            mu2[0] = 2;
            double traces = 0;
            for (int i = 0; i < d; i++) {
                traces += s1[i][i] + s2[i][i];
            }
            double fid = Fid.distance(stats(mu1, s1), stats(mu2, s2), CPU);
            double closed = 4 + traces - 2 * expected;
            assertEquals(closed, fid, 1e-6 * Math.max(1, closed));
        }
    }

    @Test
    void singularCovariancesAreHandled() {
        // Rank-deficient S1 (fewer samples than dimensions): Newton-Schulz and Denman-Beavers fail here.
        int d = 8;
        double[] a = {0, 0, 1, 2, 0, 3, 0.5, 0};
        double[] b = {1, 2, 3, 0, 1, 1, 2, 4};
        double[][] q = Brute.orthogonal(new SplittableRandom(4), d);
        double expected = 0;
        for (int i = 0; i < d; i++) {
            expected += Math.sqrt(a[i] * b[i]);
        }
        double[][] s1 = Brute.withEigenvalues(q, a);
        double[][] s2 = Brute.withEigenvalues(q, b);
        double actual = NativeMemory.scoped(() -> Fid.traceSqrtProduct(matrix(s1), matrix(s2)));
        // Zero eigenvalues come out as +-1e-16 and their square roots as ~1e-8: relative 1e-6 is the honest bound.
        assertEquals(expected, actual, 1e-6 * expected);
    }

    @Test
    void sampledGaussiansApproachTheClosedForm() {
        // N(0, I) against N(m, 4 I) in 4 dimensions: FID = |m|^2 + 4 (2 - 1)^2.
        SplittableRandom r = new SplittableRandom(5);
        int n = 20000;
        int d = 4;
        double[][] x = new double[n][d];
        double[][] y = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = Brute.gauss(r);
                y[i][j] = 0.5 + 2 * Brute.gauss(r);
            }
        }
        double expected = d * 0.25 + d * 1.0;
        double fid = NativeMemory.scoped(() -> Fid.distance(matrix(x), matrix(y), CPU));
        assertEquals(expected, fid, 0.1);
    }

    @Test
    void streamingStatisticsEqualTheAllAtOnceStatistics() {
        // A large common offset is where the naive E[xx^T] - mu mu^T formula loses digits.
        double[][] x = Brute.gaussian(new SplittableRandom(6), 1000, 12, 1000.0);
        double[][] expected = Brute.meanAndCovariance(x);
        int[] batchSizes = {1, 7, 100, 2, 333, 57};
        try (FeatureAccumulator acc = new FeatureAccumulator(12, CPU);
             FeatureAccumulator first = new FeatureAccumulator(12, CPU);
             FeatureAccumulator second = new FeatureAccumulator(12, CPU)) {
            int start = 0;
            int b = 0;
            while (start < x.length) {
                int len = Math.min(batchSizes[b++ % batchSizes.length], x.length - start);
                double[][] batch = Arrays.copyOfRange(x, start, start + len);
                boolean early = start < 400;
                NativeMemory.scoped(() -> {
                    Tensor t = matrix(batch);
                    acc.add(t);
                    (early ? first : second).add(t);
                });
                start += len;
            }
            FeatureStatistics s = acc.statistics();
            assertEquals(1000, s.count());
            assertArrayEquals(expected[0], s.mu(), 1e-9);
            assertArrayEquals(expected[1], s.sigma(), 1e-9);

            first.merge(second);
            assertArrayEquals(expected[0], first.statistics().mu(), 1e-9);
            assertArrayEquals(expected[1], first.statistics().sigma(), 1e-9);
        }
        FeatureStatistics whole = NativeMemory.scoped(() -> FeatureStatistics.of(matrix(x), CPU));
        assertArrayEquals(expected[1], whole.sigma(), 1e-9);
    }

    @Test
    void statisticsSaveAndLoadIncludingForeignNpz() throws IOException {
        FeatureStatistics s = new FeatureStatistics(77, new double[] {1, 2}, new double[] {2, 0.5, 0.5, 1});
        Path p = dir.resolve("s.npz");
        s.save(p);
        FeatureStatistics back = FeatureStatistics.load(p);
        assertEquals(77, back.count());
        assertArrayEquals(s.mu(), back.mu(), 0);
        assertArrayEquals(s.sigma(), back.sigma(), 0);

        // pytorch-fid / TTUR layout: float32 mu and sigma, no n.
        Map<String, NpyArray> foreign = new LinkedHashMap<>();
        foreign.put("mu", NpyArray.ofFloats(new float[] {1, 2}, 2));
        foreign.put("sigma", NpyArray.ofFloats(new float[] {2, 0.5f, 0.5f, 1}, 2, 2));
        Path f = dir.resolve("foreign.npz");
        Npy.writeNpz(f, foreign);
        FeatureStatistics loaded = FeatureStatistics.load(f);
        assertEquals(0, loaded.count());
        assertEquals(0.0, Fid.distance(loaded, s, CPU), 1e-12);

        Map<String, NpyArray> wrong = new LinkedHashMap<>();
        wrong.put("mean", NpyArray.ofFloats(new float[] {1}, 1));
        Path w = dir.resolve("wrong.npz");
        Npy.writeNpz(w, wrong);
        Exception e = assertThrows(DataFormatException.class, () -> FeatureStatistics.load(w));
        assertTrue(e.getMessage().contains("wrong.npz") && e.getMessage().contains("'mu'"), e.getMessage());
    }

    @Test
    void mismatchedDimensionsAreRefused() {
        FeatureStatistics a = new FeatureStatistics(2, new double[] {0, 0}, new double[4]);
        FeatureStatistics b = new FeatureStatistics(2, new double[] {0, 0, 0}, new double[9]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fid.distance(a, b, CPU));
        assertTrue(e.getMessage().contains("has 2") && e.getMessage().contains("has 3"), e.getMessage());
        try (FeatureAccumulator acc = new FeatureAccumulator(3, CPU)) {
            assertThrows(IllegalStateException.class, acc::statistics, "one sample has no covariance");
        }
    }
}
