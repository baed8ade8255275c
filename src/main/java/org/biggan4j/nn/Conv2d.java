package org.biggan4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** A 2-D convolution, optionally spectrally normalised. Input {@code [B, in, H, W]}. */
public final class Conv2d extends SpectralNormWeight {

    private final long[] stride;
    private final long[] padding;

    Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias, LayerFactory factory) {
        super(new long[] {out, in, kernel, kernel}, bias ? out : 0, factory);
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
    }

    public Tensor forward(Tensor x) {
        return torch.conv2d(x, effectiveWeight(), bias == null ? new TensorOptional() : new TensorOptional(bias),
                stride, padding, new long[] {1, 1}, 1);
    }
}
