package org.biggan4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** A linear map {@code [B, in] -> [B, out]}, optionally spectrally normalised. */
public final class Linear extends SpectralNormWeight {

    Linear(long in, long out, boolean bias, LayerFactory factory) {
        super(new long[] {out, in}, bias ? out : 0, factory);
    }

    public Tensor forward(Tensor x) {
        Tensor w = effectiveWeight();
        Tensor y = torch.linear(x, w, bias == null ? new TensorOptional() : new TensorOptional(bias));
        if (FlopCounter.counting()) {
            FlopCounter.record(2 * y.numel() * weight.size(1), x, w);
        }
        return y;
    }
}
