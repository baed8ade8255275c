package org.biggan4j.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Density and coverage (Naeem et al. 2020), robust variants of precision and recall that use
 * only the real samples' k-NN balls, so that outliers among generated samples do not inflate the
 * generated manifold.
 *
 * <pre>
 *   density  = 1 / (k M) * sum_j sum_i 1[ fake_j in B(real_i, r_i) ]     (may exceed 1)
 *   coverage = 1 / N     * sum_i 1[ some fake_j in B(real_i, r_i) ]
 * </pre>
 *
 * @param density  expected number of real balls holding a generated sample, over k
 * @param coverage fraction of real balls holding at least one generated sample
 * @param k        the neighbourhood size used
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public record DensityCoverage(double density, double coverage, int k) {

    /** The paper's default neighbourhood size. */
    public static final int DEFAULT_K = 5;

    /** Computes density and coverage of generated features against real ones, both [N, D] on one device. */
    public static DensityCoverage compute(Tensor real, Tensor fake, int k) {
        return compute(real, fake, k, Neighbourhoods.CHUNK_ELEMENTS);
    }

    /** As {@link #compute(Tensor, Tensor, int)}, with at most {@code chunkElements} distances in memory at once. */
    public static DensityCoverage compute(Tensor real, Tensor fake, int k, long chunkElements) {
        return Neighbourhoods.withRealRadii(real, fake, k, chunkElements, DensityCoverage::compute);
    }

    /** As {@link #compute(Tensor, Tensor, int)} with the real set's k-NN radii given. */
    static DensityCoverage compute(Tensor real, Tensor realRadii, Tensor fake, int k, long chunkElements) {
        Neighbourhoods.check(real, fake, k);
        try (PointerScope scope = new PointerScope()) {
            long inside = Neighbourhoods.ballsContaining(fake, real, realRadii, chunkElements).sum().item_long();
            double density = (double) inside / ((double) k * fake.size(0));
            Tensor nearest = Neighbourhoods.nearestDistance(real, fake, chunkElements);                          // [N]
            double coverage = Neighbourhoods.fraction(nearest.le(realRadii));
            return new DensityCoverage(density, coverage, k);
        }
    }

    /** {@link #compute(Tensor, Tensor, int)} with k = {@value #DEFAULT_K}. */
    public static DensityCoverage compute(Tensor real, Tensor fake) {
        return compute(real, fake, DEFAULT_K);
    }
}
