package org.biggan4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A lookup table {@code [count, dim]} from class ids {@code [B]} to {@code [B, dim]}, optionally spectrally normalised. */
public final class Embedding extends SpectralNormWeight {

    Embedding(long count, long dim, LayerFactory factory) {
        super(new long[] {count, dim}, 0, factory);
    }

    public Tensor forward(Tensor ids) {
        return torch.embedding(effectiveWeight(), ids);
    }

    /** Soft classes: {@code [B, count]} mixtures times the table, {@code [B, dim]}. */
    public Tensor mix(Tensor weights) {
        return weights.mm(effectiveWeight());
    }
}
