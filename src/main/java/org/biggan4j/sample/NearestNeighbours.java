package org.biggan4j.sample;

import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The k nearest training images of a few queries (generated samples), found by streaming the
 * training set once: the memorisation check of BigGAN appendix D (figures 20-22), where a
 * sample that copies a training image shows that image as its nearest neighbour.
 *
 * <p>Distances are Euclidean between vectors: flattened pixels for pixel space, or a feature
 * network's outputs. Only the running best k per query are kept (their distances, dataset
 * indices and images), so memory is independent of the dataset's size. Ties keep the earlier
 * image. Not thread-safe.
 */
@SuppressWarnings("try") // PointerScope acts by existing, unreferenced
public final class NearestNeighbours implements AutoCloseable {

    private final Tensor queries;          // [Q, D] float64
    private final int k;
    private Tensor distances;              // [Q, k'] float64, ascending; k' grows to k
    private Tensor indices;                // [Q, k'] int64, dataset indices
    private Tensor images;                 // [Q, k', ...] the neighbours' images
    private long seen;

    /**
     * @param queries [Q, D] vectors of the samples (kept as a float64 copy)
     * @param k       neighbours per query
     */
    public NearestNeighbours(Tensor queries, int k) {
        if (queries.dim() != 2 || k < 1) {
            throw new IllegalArgumentException("Need query vectors [Q, D] and k >= 1.");
        }
        this.queries = NativeMemory.keep(queries.to(ScalarType.Double).clone());
        this.k = k;
    }

    /**
     * Offers the next batch of the training set, in dataset order.
     *
     * @param vectors [B, D] the images' vectors in the queries' space
     * @param batch   [B, ...] the images themselves, kept for the neighbours that win
     */
    public void add(Tensor vectors, Tensor batch) {
        if (vectors.dim() != 2 || vectors.size(1) != queries.size(1) || batch.size(0) != vectors.size(0)) {
            throw new IllegalArgumentException("Vectors must be [B, " + queries.size(1) + "] with one image each.");
        }
        long b = vectors.size(0);
        try (PointerScope scope = new PointerScope()) {
            long q = queries.size(0);
            Tensor d = torch.cdist(queries, vectors.to(queries.device(), ScalarType.Double));           // [Q, B]
            Tensor ids = torch.arange(new Scalar(seen), new Scalar(seen + b),
                    queries.options().dtype(new ScalarTypeOptional(ScalarType.Long)))
                    .unsqueeze(0).expand(q, b);
            Tensor flatBatch = batch.reshape(b, -1);
            Tensor allD = distances == null ? d : torch.cat(new TensorVector(distances, d), 1);
            Tensor allIds = indices == null ? ids : torch.cat(new TensorVector(indices, ids), 1);
            long kept = distances == null ? 0 : distances.size(1);
            int take = (int) Math.min(k, kept + b);
            // A stable sort over candidates that are in dataset order keeps the earlier of tied images.
            var sorted = allD.sort(new BoolOptional(true), 1, false);
            Tensor order = sorted.get1().narrow(1, 0, take);                                                 // [Q, take]
            Tensor newD = sorted.get0().narrow(1, 0, take);
            Tensor newIds = allIds.gather(1, order);
            // The winners' images: from the kept ones (positions < kept) or from this batch.
            Tensor pool = images == null ? flatBatch.to(queries.device(), batch.scalar_type())
                    : torch.cat(new TensorVector(images.reshape(q * kept, -1),
                            flatBatch.to(images.device(), images.scalar_type())), 0);
            Tensor rowBase = torch.arange(new Scalar(0), new Scalar(q),
                    order.options()).unsqueeze(1).mul(new Scalar(kept));
            Tensor fromKept = order.lt(new Scalar(kept));
            Tensor poolIndex = torch.where(fromKept, rowBase.add(order),
                    order.sub(new Scalar(kept)).add(new Scalar(q * kept)));
            long[] shape = new long[(int) batch.dim() + 1];
            shape[0] = q;
            shape[1] = take;
            for (int i = 1; i < batch.dim(); i++) {
                shape[i + 1] = batch.size(i);
            }
            Tensor newImages = pool.index_select(0, poolIndex.reshape(-1)).reshape(shape);
            replace(NativeMemory.keep(newD.contiguous()), NativeMemory.keep(newIds.contiguous()),
                    NativeMemory.keep(newImages.contiguous()));
        }
        seen += b;
    }

    private void replace(Tensor d, Tensor ids, Tensor imgs) {
        if (distances != null) {
            distances.close();
            indices.close();
            images.close();
        }
        distances = d;
        indices = ids;
        images = imgs;
    }

    /** Images offered so far. */
    public long seen() {
        return seen;
    }

    /** [Q, k] ascending distances (fewer columns while fewer than k images were offered). */
    public Tensor distances() {
        return requireSome(distances);
    }

    /** [Q, k] dataset indices of the neighbours, nearest first. */
    public Tensor indices() {
        return requireSome(indices);
    }

    /** [Q, k, ...] the neighbours' images, nearest first. */
    public Tensor images() {
        return requireSome(images);
    }

    private static Tensor requireSome(Tensor t) {
        if (t == null) {
            throw new IllegalStateException("No images were offered.");
        }
        return t;
    }

    @Override
    public void close() {
        queries.close();
        if (distances != null) {
            replace(null, null, null);
        }
    }
}
