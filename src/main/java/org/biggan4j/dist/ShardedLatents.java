package org.biggan4j.dist;

import org.biggan4j.train.LatentSource;
import org.bytedeco.pytorch.Tensor;

/**
 * One replica's share of the generator's inputs: every replica draws the latents and classes
 * of the whole global batch from libtorch's generator (seeded identically on all of them by the
 * step) and keeps its own rows, {@code [rank * n, (rank + 1) * n)}. Replicas therefore never
 * share a latent, and together they see exactly the inputs one process would draw for the
 * global batch, so a run continues the same under any number of processes. Drawing the whole
 * batch costs {@code world} times a latent draw, negligible next to G's forward.
 */
public final class ShardedLatents implements LatentSource {

    private final LatentSource global;
    private final int rank;
    private final int worldSize;

    public ShardedLatents(LatentSource global, int rank, int worldSize) {
        this.global = global;
        this.rank = rank;
        this.worldSize = worldSize;
    }

    @Override
    public Tensor latents(int batch) {
        return global.latents(batch * worldSize).narrow(0, (long) rank * batch, batch);
    }

    @Override
    public Tensor classes(int batch) {
        Tensor all = global.classes(batch * worldSize);
        return all == null ? null : all.narrow(0, (long) rank * batch, batch);
    }
}
