package org.biggan4j.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * k-nearest-neighbour balls in feature space, the building block of precision/recall
 * (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al. 2020).
 *
 * <p>Feature matrices are held whole ([N, D]); distance matrices never are: they are computed
 * with {@code torch.cdist} in float64 for row chunks of at most {@link #CHUNK_ELEMENTS} distances
 * (256 MB; callers may pass a smaller bound) and reduced at once. cdist uses its fast
 * matrix-product form (|a|^2 + |b|^2 - 2 a.b) for larger sets, so d(i, j) and d(j, i) may differ in
 * the last bits: points lying exactly on a ball's boundary, which happens only when a set is
 * compared with itself, may count either way. Distinct sets are unaffected.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
final class Neighbourhoods {

    /** Distances per chunk: 2^25 float64 values. */
    static final long CHUNK_ELEMENTS = 1L << 25;

    private Neighbourhoods() {
    }

    /** A metric of generated features against real ones whose k-NN radii are already known. */
    @FunctionalInterface
    interface AgainstRealRadii<T> {
        T compute(Tensor real, Tensor realRadii, Tensor fake, int k, long chunkElements);
    }

    /**
     * Checks the inputs, computes the real set's k-NN radii and runs {@code metric} with them, all
     * in one native-memory scope: the common entry of precision/recall and density/coverage.
     */
    static <T> T withRealRadii(Tensor real, Tensor fake, int k, long chunkElements, AgainstRealRadii<T> metric) {
        check(real, fake, k);
        try (PointerScope scope = new PointerScope()) {
            return metric.compute(real, radii(real, k, chunkElements), fake, k, chunkElements);
        }
    }

    static void check(Tensor real, Tensor fake, int k) {
        if (real.dim() != 2 || fake.dim() != 2) {
            throw new IllegalArgumentException("Features must be matrices [N, D]; got " + real.dim() + " and "
                    + fake.dim() + " dimensions.");
        }
        Fid.requireSameDims(real.size(1), fake.size(1), "the real features", "the generated features");
        if (k < 1) {
            throw new IllegalArgumentException("The neighbourhood size k must be >= 1, got " + k + ".");
        }
        if (real.size(0) <= k || fake.size(0) <= k) {
            throw new IllegalArgumentException("k-NN radii with k = " + k + " need more than " + k
                    + " samples in each set; got " + real.size(0) + " real and " + fake.size(0) + " generated.");
        }
    }

    /** Rows per chunk when each row yields {@code columns} distances and a chunk holds at most {@code chunkElements}. */
    static long chunkRows(long columns, long chunkElements) {
        return Math.max(1, chunkElements / Math.max(1, columns));
    }

    /**
     * The distance from each row of {@code x} [N, D] to its k-th nearest other row: the (k+1)-th
     * smallest distance in its row of the distance matrix, the first being the point itself.
     * Returns [N] float64 in the caller's scope.
     */
    static Tensor radii(Tensor x, int k, long chunkElements) {
        Tensor x64 = x.to(ScalarType.Double);
        long n = x64.size(0);
        long rows = chunkRows(n, chunkElements);
        Tensor out = torch.zeros(new long[] {n}, x64.options());
        for (long start = 0; start < n; start += rows) {
            long len = Math.min(rows, n - start);
            try (PointerScope scope = new PointerScope()) {
                Tensor d = torch.cdist(x64.narrow(0, start, len), x64);                // [len, N]
                out.narrow(0, start, len).copy_(d.kthvalue(k + 1, 1, false).get0());
            }
        }
        return out;
    }

    /**
     * For each row of {@code queries} [M, D]: how many balls (centres [N, D], radii [N]) contain it.
     * Returns [M] int64 in the caller's scope.
     */
    static Tensor ballsContaining(Tensor queries, Tensor centres, Tensor radii, long chunkElements) {
        Tensor q = queries.to(ScalarType.Double);
        Tensor c = centres.to(ScalarType.Double);
        Tensor r = radii.to(ScalarType.Double).unsqueeze(0);                                   // [1, N]
        long m = q.size(0);
        long rows = chunkRows(c.size(0), chunkElements);
        Tensor out = torch.zeros(new long[] {m}, q.options().dtype(new ScalarTypeOptional(ScalarType.Long)));
        for (long start = 0; start < m; start += rows) {
            long len = Math.min(rows, m - start);
            try (PointerScope scope = new PointerScope()) {
                Tensor d = torch.cdist(q.narrow(0, start, len), c);                            // [len, N]
                out.narrow(0, start, len).copy_(d.le(r).sum(new long[] {1}, false, new ScalarTypeOptional(ScalarType.Long)));
            }
        }
        return out;
    }

    /** For each row of {@code queries} [M, D]: the distance to its nearest row of {@code points} [N, D]. [M] float64. */
    static Tensor nearestDistance(Tensor queries, Tensor points, long chunkElements) {
        Tensor q = queries.to(ScalarType.Double);
        Tensor p = points.to(ScalarType.Double);
        long m = q.size(0);
        long rows = chunkRows(p.size(0), chunkElements);
        Tensor out = torch.zeros(new long[] {m}, q.options());
        for (long start = 0; start < m; start += rows) {
            long len = Math.min(rows, m - start);
            try (PointerScope scope = new PointerScope()) {
                Tensor d = torch.cdist(q.narrow(0, start, len), p);                            // [len, N]
                out.narrow(0, start, len).copy_(d.amin(new long[] {1}, false));
            }
        }
        return out;
    }

    /** Mean of a boolean/int tensor as a Java double. */
    static double fraction(Tensor mask) {
        return mask.to(ScalarType.Double).mean().item_double();
    }
}
