package org.biggan4j.nn;

import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eval-mode cache of W / sigma changes nothing but speed: a cached weight equals a fresh
 * computation bit for bit, and any write to W, u or v (a checkpoint load, an EMA update, power
 * iterations) or a return to training or to autograd computes it anew.
 */
@SuppressWarnings("try")
class SpectralNormEvalCacheTest {

    private static final LayerFactory SN = new LayerFactory(true, 1e-4, 1, Init.DEFAULT, false);

    private static Tensor fresh(Linear layer) {
        // What the weight must be: W / (u . W v) from the stored vectors, computed here.
        Tensor u = layer.named_buffers().get("weight_u");
        Tensor v = layer.named_buffers().get("weight_v");
        Tensor w = layer.rawWeight();
        return w.div(u.mul(w.mv(v)).sum());
    }

    @Test
    void cachedWeightIsReusedUntilAnythingItDependsOnChanges() {
        NativeMemory.scoped(() -> {
            Linear layer = SN.linear(24, 16, false);
            layer.eval();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor first = layer.effectiveWeight();
                assertSame(first, layer.effectiveWeight(), "a second eval forward reuses the weight");
                assertTrue(torch.equal(first, fresh(layer)));

                layer.rawWeight().mul_(new Scalar(1.5));                 // an in-place update (EMA, load)
                Tensor afterWrite = layer.effectiveWeight();
                assertNotSame(first, afterWrite);
                assertTrue(torch.equal(afterWrite, fresh(layer)), "W's write must be seen");

                layer.powerIterate(3);                                     // u and v move
                Tensor afterPower = layer.effectiveWeight();
                assertNotSame(afterWrite, afterPower);
                assertTrue(torch.equal(afterPower, fresh(layer)), "u and v's writes must be seen");
            }
            // With autograd on, the weight carries W's gradient: never the cached tensor.
            Tensor withGrad = layer.effectiveWeight();
            assertTrue(withGrad.requires_grad());
            layer.train(true);
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor training = layer.effectiveWeight();                 // runs a power iteration
                assertTrue(torch.equal(training, fresh(layer)));
                layer.eval();
                Tensor again = layer.effectiveWeight();
                assertNotSame(training, again);
                assertTrue(torch.equal(again, fresh(layer)), "the training forward's u and v must be seen");
            }
        });
    }

    @Test
    void convolutionOutputsAreTheSameWithTheCache() {
        NativeMemory.scoped(() -> {
            Conv2d conv = SN.conv(8, 8, 3, true);
            conv.eval();
            Tensor x = torch.randn(new long[] {2, 8, 6, 6});
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor a = conv.forward(x);
                Tensor b = conv.forward(x);                                // from the cache
                assertEquals(0.0, a.sub(b).abs().max().item_double());
            }
        });
    }
}
