package org.biggan4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A transposed 2-D convolution, optionally spectrally normalised. Its weight is stored as
 * [in, out, k, k] (libtorch's layout); spectral normalisation treats the first dimension as rows.
 */
public final class ConvTranspose2d extends SpectralNormWeight {

    private final long[] stride;
    private final long[] padding;

    ConvTranspose2d(long in, long out, int kernel, int stride, int padding, boolean bias, LayerFactory factory) {
        super(new long[] {in, out, kernel, kernel}, bias ? out : 0, factory);
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
    }

    public Tensor forward(Tensor x) {
        return torch.conv_transpose2d(x, effectiveWeight(),
                bias == null ? new TensorOptional() : new TensorOptional(bias), stride, padding, new long[] {0, 0}, 1,
                1, 1);
    }
}
