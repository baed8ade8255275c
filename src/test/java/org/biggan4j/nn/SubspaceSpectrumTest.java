package org.biggan4j.nn;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubspaceSpectrumTest {

    private static double[] exact(Tensor w) {
        return Tensors.toDoubles(torch.linalg_svdvals(w.reshape(w.size(0), -1).to(torch.ScalarType.Double)));
    }

    private static void assertTopThree(Tensor w, SubspaceSpectrum.Estimate e) {
        double[] ref = exact(w);
        for (int i = 0; i < 3; i++) {
            assertEquals(ref[i], e.sigmas()[i], 1e-3 * ref[i], "sigma_" + i);
        }
        assertEquals(Tensors.toDoubles(torch.linalg_vector_norm(w.to(torch.ScalarType.Double)))[0], e.frobenius(), 1e-9);
    }

    @Test
    void matchesSvdvalsOnRandomConvAndLinearWeights() {
        Seeds.seedTorch(3);
        for (long[] shape : new long[][] {{64, 96}, {96, 64}, {32, 16, 3, 3}, {5, 7}}) {
            Tensor w = Tensors.randn(ComputeDevice.CPU, shape);
            try (SubspaceSpectrum s = new SubspaceSpectrum(3, 8)) {
                assertTopThree(w, s.estimate(w, 500, 1e-10));
            }
        }
    }

    @Test
    void matchesSvdvalsOnAStructuredWeightAndWarmStartsCheaply() {
        // A "trained-like" weight: a few strong directions over noise, as after training.
        Seeds.seedTorch(4);
        Tensor u = Tensors.randn(ComputeDevice.CPU, 128, 4);
        Tensor v = Tensors.randn(ComputeDevice.CPU, 4, 256);
        Tensor w = u.mm(v).add(Tensors.randn(ComputeDevice.CPU, 128, 256).mul(new Scalar(0.3)));
        try (SubspaceSpectrum s = new SubspaceSpectrum(3, 8)) {
            SubspaceSpectrum.Estimate cold = s.estimate(w, 500, 1e-9);
            assertTopThree(w, cold);
            // A small update, as one training step makes: the warm start converges in a few iterations.
            Tensor moved = w.add(Tensors.randn(ComputeDevice.CPU, 128, 256).mul(new Scalar(1e-3)));
            SubspaceSpectrum.Estimate warm = s.estimate(moved, 500, 1e-9);
            assertTopThree(moved, warm);
            assertTrue(warm.iterations() < cold.iterations(), warm.iterations() + " vs " + cold.iterations());
        }
    }

    @Test
    void clampingSetsSigmaZeroAndLeavesTheRestAlone() {
        Seeds.seedTorch(5);
        Tensor w = Tensors.randn(ComputeDevice.CPU, 48, 80);
        double[] before = exact(w);
        try (SubspaceSpectrum s = new SubspaceSpectrum(3, 8)) {
            double clamp = before[1] + 0.5 * (before[0] - before[1]);
            double sigma0 = s.clampTop(w, clamp, 1000, 1e-12);
            assertEquals(before[0], sigma0, 1e-6 * before[0]);
            double[] after = exact(w);
            assertEquals(clamp, after[0], 1e-4 * clamp);
            for (int i = 1; i < before.length; i++) {
                assertEquals(before[i], after[i], 1e-4 * before[0], "sigma_" + i);
            }
        }
    }
}
