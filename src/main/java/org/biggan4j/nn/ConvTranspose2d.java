package org.biggan4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * A transposed 2-D convolution, optionally spectrally normalised. Its weight is stored as
 * [in, out, k, k] (libtorch's layout); spectral normalisation treats the first dimension as rows.
 */
public final class ConvTranspose2d extends SquareConvolution {

    ConvTranspose2d(long in, long out, int kernel, int stride, int padding, boolean bias, LayerFactory factory) {
        super(new long[] {in, out, kernel, kernel}, bias ? out : 0, stride, padding, factory);
    }

    public Tensor forward(Tensor x) {
        Tensor w = effectiveWeight();
        Tensor y = CpuConvolutions.convTranspose2d(x, w, bias, stride, padding);
        if (FlopCounter.counting()) {
            // Every input element is scattered through out x k x k weights (weight: [in, out, k, k]).
            FlopCounter.record(2 * x.numel() * (weight.numel() / weight.size(0)), x, w);
        }
        return y;
    }
}
