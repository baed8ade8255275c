package org.biggan4j.nn;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlopCounterTest {

    private static final LayerFactory PLAIN = new LayerFactory(false, 1e-4, 1, Init.DEFAULT, false);

    @Test
    void convolutionCountsForwardAndTheGradientsAutogradWillCompute() {
        Seeds.seedTorch(1);
        Conv2d conv = PLAIN.conv(3, 8, 3, true);
        long forward = 2L * 4 * 8 * 10 * 10 * 3 * 9; // B x Cout x H x W outputs, each Cin x k x k MACs
        Tensor x = Tensors.randn(ComputeDevice.CPU, 4, 3, 10, 10);

        FlopCounter.start();
        try (NoGradGuard g = new NoGradGuard()) {
            conv.forward(x);
        }
        assertEquals(forward, FlopCounter.stop(), "no-grad: forward only");

        FlopCounter.start();
        conv.forward(x);
        assertEquals(2 * forward, FlopCounter.stop(), "weight gradient, no input gradient");

        FlopCounter.start();
        conv.forward(x.requires_grad_(true));
        assertEquals(3 * forward, FlopCounter.stop(), "input and weight gradients");

        conv.rawWeight().requires_grad_(false);
        FlopCounter.start();
        conv.forward(x);
        assertEquals(2 * forward, FlopCounter.stop(), "frozen weight (D in the G step): input gradient only");
        conv.rawWeight().requires_grad_(true);
    }

    @Test
    void linearAndTransposedConvolutionCountTheirProducts() {
        Seeds.seedTorch(2);
        Linear linear = PLAIN.linear(20, 30, false);
        ConvTranspose2d up = PLAIN.convTranspose(6, 4, 4, 2, 1, false);
        FlopCounter.start();
        try (NoGradGuard g = new NoGradGuard()) {
            linear.forward(Tensors.randn(ComputeDevice.CPU, 5, 20));
            up.forward(Tensors.randn(ComputeDevice.CPU, 2, 6, 7, 7));
        }
        assertEquals(2L * 5 * 30 * 20 + 2L * 2 * 6 * 7 * 7 * 4 * 16, FlopCounter.stop());
    }

    @Test
    void countingIsOffUnlessStartedOnThisThread() throws InterruptedException {
        assertFalse(FlopCounter.counting());
        FlopCounter.start();
        assertTrue(FlopCounter.counting());
        boolean[] otherThread = new boolean[1];
        Thread t = new Thread(() -> otherThread[0] = FlopCounter.counting());
        t.start();
        t.join();
        assertFalse(otherThread[0]);
        FlopCounter.stop();
        assertFalse(FlopCounter.counting());
    }
}
