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
        return torch.linear(x, effectiveWeight(), bias == null ? new TensorOptional() : new TensorOptional(bias));
    }
}
