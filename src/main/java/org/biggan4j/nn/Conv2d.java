package org.biggan4j.nn;

import org.bytedeco.pytorch.Tensor;

/** A 2-D convolution, optionally spectrally normalised. Input {@code [B, in, H, W]}. */
public final class Conv2d extends SquareConvolution {

    Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias, LayerFactory factory) {
        super(new long[] {out, in, kernel, kernel}, bias ? out : 0, stride, padding, factory);
    }

    public Tensor forward(Tensor x) {
        Tensor w = effectiveWeight();
        Tensor y = CpuConvolutions.conv2d(x, w, bias, stride, padding);
        if (FlopCounter.counting()) {
            // Every output element is a dot product over in x k x k inputs.
            FlopCounter.record(2 * y.numel() * (weight.numel() / weight.size(0)), x, w);
        }
        return y;
    }
}
