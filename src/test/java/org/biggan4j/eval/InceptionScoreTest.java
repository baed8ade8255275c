package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InceptionScoreTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    static InceptionScore score(double[] p, int n, int k, int splits) {
        return NativeMemory.scoped(() -> InceptionScore.fromProbabilities(Tensors.fromDoubles(p, CPU, n, k), splits));
    }

    @Test
    void uniformPredictionsScoreOne() {
        int n = 40;
        int k = 7;
        double[] p = new double[n * k];
        Arrays.fill(p, 1.0 / k);
        InceptionScore s = score(p, n, k, 4);
        assertEquals(1.0, s.mean(), 1e-12);
        assertEquals(0.0, s.std(), 1e-12);
    }

    @Test
    void confidentBalancedPredictionsScoreTheNumberOfClasses() {
        int k = 10;
        int splits = 5;
        int n = k * splits * 3;
        double[] p = new double[n * k];
        for (int i = 0; i < n; i++) {
            p[i * k + i % k] = 1.0;      // one-hot, classes interleaved so every split is balanced
        }
        InceptionScore s = score(p, n, k, splits);
        assertEquals(k, s.mean(), 1e-9);
        assertEquals(0.0, s.std(), 1e-9);
        assertEquals(splits, s.splits());
    }

    @Test
    void randomPredictionsMatchABruteForceComputation() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 31;     // not divisible by the splits: parts of 10, 10, 11
        int k = 5;
        int splits = 3;
        double[] logits = new double[n * k];
        double[] p = new double[n * k];
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < k; j++) {
                logits[i * k + j] = 3 * Brute.gauss(r);
                z += Math.exp(logits[i * k + j]);
            }
            for (int j = 0; j < k; j++) {
                p[i * k + j] = Math.exp(logits[i * k + j]) / z;
            }
        }
        double[] scores = new double[splits];
        for (int s = 0; s < splits; s++) {
            int start = s * n / splits;
            int end = (s + 1) * n / splits;
            double[] marginal = new double[k];
            for (int i = start; i < end; i++) {
                for (int j = 0; j < k; j++) {
                    marginal[j] += p[i * k + j] / (end - start);
                }
            }
            double kl = 0;
            for (int i = start; i < end; i++) {
                for (int j = 0; j < k; j++) {
                    kl += p[i * k + j] * Math.log(p[i * k + j] / marginal[j]) / (end - start);
                }
            }
            scores[s] = Math.exp(kl);
        }
        double mean = (scores[0] + scores[1] + scores[2]) / 3;
        double std = Math.sqrt(((scores[0] - mean) * (scores[0] - mean) + (scores[1] - mean) * (scores[1] - mean)
                + (scores[2] - mean) * (scores[2] - mean)) / 3);

        InceptionScore fromP = score(p, n, k, splits);
        assertEquals(mean, fromP.mean(), 1e-10);
        assertEquals(std, fromP.std(), 1e-10);
        assertTrue(std > 0, "the splits differ");
        InceptionScore fromLogits = NativeMemory.scoped(
                () -> InceptionScore.fromLogits(Tensors.fromDoubles(logits, CPU, n, k), splits));
        assertEquals(mean, fromLogits.mean(), 1e-10);
    }

    @Test
    void logitsPassedAsProbabilitiesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> score(new double[] {2.0, -1.0, 0.5, 0.5}, 2, 2, 1));
        assertTrue(e.getMessage().contains("fromLogits"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> score(new double[] {0.5, 0.5}, 1, 2, 2));
    }

    @Test
    void accuracyCountsTopOnePerClass() {
        ClassifierAccuracy a = new ClassifierAccuracy(3);
        NativeMemory.scoped(() -> {
            Tensor scores = Tensors.fromFloats(new float[] {
                    5, 1, 0,     // predicts 0, label 0: right
                    0, 2, 1,     // predicts 1, label 2: wrong
                    0, 0, 9,     // predicts 2, label 2: right
                    1, 3, 2}, CPU, 4, 3); // predicts 1, label 1: right
            a.add(scores, Tensors.fromLongs(new long[] {0, 2, 2, 1}, CPU, 4));
        });
        assertEquals(0.75, a.accuracy(), 1e-12);
        assertEquals(4, a.count());
        double[] per = a.perClass();
        assertEquals(1.0, per[0]);
        assertEquals(1.0, per[1]);
        assertEquals(0.5, per[2]);
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.scoped(() ->
                a.add(Tensors.fromFloats(new float[] {1, 0, 0}, CPU, 1, 3), Tensors.fromLongs(new long[] {3}, CPU, 1))));
    }
}
