package org.biggan4j.tensor;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Random numbers drawn per sample of a batch (WGAN-GP's interpolation weights, instance noise,
 * D's dropout masks), made right for data-parallel training.
 *
 * <p>Replicas reseed libtorch's generator identically every iteration (their latents are rows
 * of one global draw, and the generator's state must stay equal on all of them). A plain
 * {@code torch.rand} of a replica's own batch would therefore give every replica the same
 * noise: the halves of the global batch would be perturbed alike, which no single process
 * training on the global batch does. Inside {@link #shardRows}, a draw is made for the whole
 * global batch ({@code world} times the rows) and the replica keeps its own rows, as
 * {@code dist.ShardedLatents} does for latents: replicas draw different noise, their generators
 * advance alike, and a draw of the global batch's shape equals what one process would draw
 * (so WGAN-GP's weights and instance noise match a lone run of the global batch exactly).
 * Outside it (one process, sampling, evaluation) the draws are the ordinary ones.
 */
public final class SampleNoise {

    /** An open {@link #shardRows} scope; closing it ends the sharding. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private record Shard(int rank, int world) {
    }

    /** Per thread, as the training step that opens it: sampling threads are never sharded. */
    private static final ThreadLocal<Shard> SHARD = new ThreadLocal<>();

    private SampleNoise() {
    }

    /**
     * Until closed, per-sample draws on this thread return rows {@code [rank * n, (rank + 1) * n)}
     * of a draw for {@code world * n} rows.
     */
    public static Scope shardRows(int rank, int world) {
        if (world < 1 || rank < 0 || rank >= world) {
            throw new IllegalArgumentException("Rank " + rank + " is not one of " + world + " replicas.");
        }
        if (SHARD.get() != null) {
            throw new IllegalStateException("Per-sample noise is already sharded on this thread.");
        }
        SHARD.set(new Shard(rank, world));
        return SHARD::remove;
    }

    /** U[0, 1) of {@code shape}, whose first dimension is the batch. */
    public static Tensor rand(long[] shape, TensorOptions options) {
        Shard s = SHARD.get();
        if (s == null) {
            return torch.rand(shape, options);
        }
        return mine(torch.rand(global(shape, s), options), shape[0], s);
    }

    /** N(0, 1) of {@code like}'s shape and options; the first dimension is the batch. */
    public static Tensor randnLike(Tensor like) {
        Shard s = SHARD.get();
        if (s == null) {
            return torch.randn_like(like);
        }
        long[] shape = Tensors.shape(like);
        return mine(torch.randn(global(shape, s), like.options()), shape[0], s);
    }

    /**
     * Inverted dropout of {@code x} in training: elements zeroed with probability {@code p},
     * the others scaled by 1 / (1 - p). Sharded, the mask is drawn for the global batch as
     * libtorch's own dropout draws it (a Bernoulli(1 - p) tensor scaled by 1 / (1 - p)), so one
     * shard's mask differs from another's; alone it is libtorch's dropout, fused where the
     * device has a kernel for it.
     */
    public static Tensor dropout(Tensor x, double p) {
        Shard s = SHARD.get();
        if (s == null) {
            return torch.dropout(x, p, true);
        }
        long[] shape = Tensors.shape(x);
        Tensor mask = torch.empty(global(shape, s), x.options(), new MemoryFormatOptional()).bernoulli_(1 - p, new GeneratorOptional()).div_(new Scalar(1 - p));
        return x.mul(mine(mask, shape[0], s));
    }

    private static long[] global(long[] shape, Shard s) {
        long[] g = shape.clone();
        g[0] = shape[0] * s.world();
        return g;
    }

    private static Tensor mine(Tensor all, long rows, Shard s) {
        return all.narrow(0, s.rank() * rows, rows);
    }
}
