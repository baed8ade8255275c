package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureStreamTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    /** A stand-in network: features are the 16 pixels of a 4x4 image, affinely mapped; logits the first 3. */
    static final class PixelFeatures implements FeatureExtractor {
        boolean sawGradMode;

        @Override
        public int featureDim() {
            return 16;
        }

        @Override
        public int numClasses() {
            return 3;
        }

        @Override
        public int imageChannels() {
            return 1;
        }

        @Override
        public Output extract(Tensor images) {
            sawGradMode |= GradMode.is_enabled();
            Tensor f = images.reshape(images.size(0), 16).mul(new Scalar(2.0)).add(new Scalar(1.0));   // [B, 16]
            return new Output(f, f.narrow(1, 0, 3));                                                  // [B, 3]
        }

        @Override
        public String describe() {
            return "pixels";
        }
    }

    @Test
    void theStreamAgreesWithTheWholeSetMetricsAndKeepsNothingElse() {
        SplittableRandom r = new SplittableRandom(31);
        int batches = 6;
        int batch = 25;
        int n = batches * batch;
        double[][] images = new double[n][16];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(3);
            for (int j = 0; j < 16; j++) {
                images[i][j] = Math.tanh(Brute.gauss(r) + (j == labels[i] ? 2 : 0));  // in [-1, 1], class-dependent
            }
        }
        PixelFeatures extractor = new PixelFeatures();
        try (FeatureStream stream = new FeatureStream(extractor, CPU, FeatureStream.Options.ALL)) {
            for (int b = 0; b < batches; b++) {
                double[][] part = Arrays.copyOfRange(images, b * batch, (b + 1) * batch);
                long[] partLabels = Arrays.copyOfRange(labels, b * batch, (b + 1) * batch);
                NativeMemory.scoped(() -> stream.accept(
                        Tensors.fromDoubles(Brute.flatten(part), CPU, batch, 1, 4, 4).to(torch.ScalarType.Float),
                        Tensors.fromLongs(partLabels, CPU, batch)));
            }
            assertFalse(extractor.sawGradMode, "the extractor runs without autograd");
            assertEquals(n, stream.count());

            double[][] features = new double[n][16];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 16; j++) {
                    features[i][j] = 2 * (float) images[i][j] + 1;
                }
            }
            double[][] expected = Brute.meanAndCovariance(features);
            FeatureStatistics s = stream.statistics();
            assertArrayEquals(expected[0], s.mu(), 1e-5);
            assertArrayEquals(expected[1], s.sigma(), 1e-5);

            NativeMemory.scoped(() -> {
                Tensor kept = stream.features();                                  // [N, 16]
                assertArrayEquals(new long[] {n, 16}, Tensors.shape(kept));
                assertArrayEquals(Brute.flatten(features), Tensors.toDoubles(kept), 1e-5);
                Tensor logits = kept.narrow(1, 0, 3);
                assertEquals(InceptionScore.fromLogits(logits, 5).mean(), stream.inceptionScore(5).mean(), 1e-9);
                assertEquals(ClassifierAccuracy.of(logits, Tensors.fromLongs(labels, CPU, n)), stream.accuracy().accuracy(), 1e-12);
            });

            // Per-class statistics equal those of the class's rows.
            Map<Long, FeatureStatistics> perClass = stream.classStatistics();
            assertEquals(3, perClass.size());
            for (long c = 0; c < 3; c++) {
                List<double[]> rows = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (labels[i] == c) {
                        rows.add(features[i]);
                    }
                }
                double[][] cs = Brute.meanAndCovariance(rows.toArray(new double[0][]));
                assertEquals(rows.size(), perClass.get(c).count());
                assertArrayEquals(cs[0], perClass.get(c).mu(), 1e-5);
                assertArrayEquals(cs[1], perClass.get(c).sigma(), 1e-5);
            }
            IntraClassFid self = IntraClassFid.of(perClass, perClass, CPU);
            assertTrue(self.mean() < 1e-6, "intra-class FID of a set with itself: " + self.mean());
        }
    }

    @Test
    void intraClassFidAveragesThePerClassFids() {
        SplittableRandom r = new SplittableRandom(32);
        double[][] a = Brute.gaussian(r, 120, 4, 0.0);
        double[][] b = Brute.gaussian(r, 90, 4, 0.5);
        long[] la = new long[a.length];
        long[] lb = new long[b.length];
        for (int i = 0; i < la.length; i++) {
            la[i] = i % 3;
        }
        for (int i = 0; i < lb.length; i++) {
            lb[i] = (i / 7) % 3;
        }
        IntraClassFid result = NativeMemory.scoped(() -> IntraClassFid.of(
                Tensors.fromDoubles(Brute.flatten(a), CPU, a.length, 4), Tensors.fromLongs(la, CPU, la.length),
                Tensors.fromDoubles(Brute.flatten(b), CPU, b.length, 4), Tensors.fromLongs(lb, CPU, lb.length), CPU));
        double sum = 0;
        for (long c = 0; c < 3; c++) {
            FeatureStatistics sa = classStats(a, la, c);
            FeatureStatistics sb = classStats(b, lb, c);
            double fid = Fid.distance(sa, sb, CPU);
            assertEquals(fid, result.perClass().get(c), 1e-9);
            sum += fid;
        }
        assertEquals(sum / 3, result.mean(), 1e-9);

        long[] missing = lb.clone();
        Arrays.fill(missing, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeMemory.scoped(() -> IntraClassFid.of(
                Tensors.fromDoubles(Brute.flatten(a), CPU, a.length, 4), Tensors.fromLongs(la, CPU, la.length),
                Tensors.fromDoubles(Brute.flatten(b), CPU, b.length, 4), Tensors.fromLongs(missing, CPU, lb.length), CPU)));
        assertTrue(e.getMessage().contains("[1, 2]"), e.getMessage());
    }

    @Test
    void aClosedStreamRefusesWorkAndMissingOptionsAreExplained() {
        FeatureStream stream = new FeatureStream(4, 0, CPU, FeatureStream.Options.STATISTICS_ONLY);
        NativeMemory.scoped(() -> stream.acceptFeatures(Tensors.randn(CPU, 5, 4), null, null));
        assertEquals(5, stream.statistics().count());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeMemory.scoped(stream::features));
        assertTrue(e.getMessage().contains("keepFeatures"), e.getMessage());
        stream.close();
        assertThrows(IllegalStateException.class, stream::statistics);
        assertThrows(IllegalArgumentException.class, () -> new FeatureStream(4, 0, CPU, FeatureStream.Options.ALL));
    }

    @Test
    void streamingStatisticsKeepNativeMemoryFlat() {
        // Only the [D] mean and [D, D] scatter persist. Each batch makes ~1 MB of temporaries
        // (input, float64 copy, centred copy), so a leak over 200 batches would show as ~200 MB.
        try (FeatureStream stream = new FeatureStream(64, 0, CPU, FeatureStream.Options.STATISTICS_ONLY)) {
            Runnable batch = () -> NativeMemory.scoped(() -> stream.acceptFeatures(Tensors.randn(CPU, 512, 64), null, null));
            for (int i = 0; i < 20; i++) {
                batch.run();
            }
            System.gc();
            long before = NativeMemory.residentBytes();
            for (int i = 0; i < 200; i++) {
                batch.run();
            }
            System.gc();
            long growth = NativeMemory.residentBytes() - before;
            assertEquals(220 * 512, stream.count());
            assertTrue(growth < 30L * 1024 * 1024, "resident memory grew by " + growth / (1024 * 1024) + " MB");
        }
    }

    private static FeatureStatistics classStats(double[][] x, long[] labels, long c) {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (labels[i] == c) {
                rows.add(x[i]);
            }
        }
        double[][] ms = Brute.meanAndCovariance(rows.toArray(new double[0][]));
        return new FeatureStatistics(rows.size(), ms[0], ms[1]);
    }
}
