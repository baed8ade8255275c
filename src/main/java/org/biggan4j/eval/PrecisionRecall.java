package org.biggan4j.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019). Each feature set's manifold is the
 * union of balls around its points, each ball reaching the point's k-th nearest neighbour in the
 * same set. Precision is the fraction of generated samples inside the real manifold (fidelity);
 * recall is the fraction of real samples inside the generated manifold (variety).
 *
 * @param precision fraction of generated samples within some real point's k-NN ball
 * @param recall    fraction of real samples within some generated point's k-NN ball
 * @param k         the neighbourhood size used
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public record PrecisionRecall(double precision, double recall, int k) {

    /** The paper's default neighbourhood size. */
    public static final int DEFAULT_K = 3;

    /**
     * Computes precision and recall of generated features against real ones, both [N, D] on one
     * device (any floating dtype; distances in float64, chunked).
     */
    public static PrecisionRecall compute(Tensor real, Tensor fake, int k) {
        return compute(real, fake, k, Neighbourhoods.CHUNK_ELEMENTS);
    }

    /** As {@link #compute(Tensor, Tensor, int)}, with at most {@code chunkElements} distances in memory at once. */
    public static PrecisionRecall compute(Tensor real, Tensor fake, int k, long chunkElements) {
        return Neighbourhoods.withRealRadii(real, fake, k, chunkElements, PrecisionRecall::compute);
    }

    /**
     * As {@link #compute(Tensor, Tensor, int)} with the real set's k-NN radii given (from
     * {@link Neighbourhoods#radii}), for callers that score several sample sets against one real set.
     */
    static PrecisionRecall compute(Tensor real, Tensor realRadii, Tensor fake, int k, long chunkElements) {
        Neighbourhoods.check(real, fake, k);
        try (PointerScope scope = new PointerScope()) {
            Tensor fakeRadii = Neighbourhoods.radii(fake, k, chunkElements);                                    // [M]
            Scalar zero = new Scalar(0L);
            double precision = Neighbourhoods.fraction(Neighbourhoods.ballsContaining(fake, real, realRadii, chunkElements).gt(zero));
            double recall = Neighbourhoods.fraction(Neighbourhoods.ballsContaining(real, fake, fakeRadii, chunkElements).gt(zero));
            return new PrecisionRecall(precision, recall, k);
        }
    }

    /** {@link #compute(Tensor, Tensor, int)} with k = {@value #DEFAULT_K}. */
    public static PrecisionRecall compute(Tensor real, Tensor fake) {
        return compute(real, fake, DEFAULT_K);
    }
}
