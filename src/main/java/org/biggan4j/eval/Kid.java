package org.biggan4j.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs", section 4): the
 * unbiased estimate of the squared maximum mean discrepancy between two feature sets under the
 * cubic polynomial kernel {@code k(x, y) = (x . y / d + 1)^3}, d the feature width. Unlike FID it
 * has an unbiased estimator, so small sample sets are comparable with large ones.
 *
 * <p>Protocol (the one torch-fidelity and most papers since 2018 report): the sets are cut into
 * {@code s = floor(min(n_a, n_b) / m)} disjoint consecutive subsets of {@code m = min(1000, n_a,
 * n_b)} rows each, subset i of A against subset i of B; KID is the mean of the s estimates and
 * {@code std} their population standard deviation (0 for a single subset). The estimate for
 * subsets X, Y of size m is
 * {@code sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
 *  - 2 sum_{i, j} k(x_i, y_j) / m^2}; it can be slightly negative when the sets match.
 *
 * @param mean    mean of the subset estimates
 * @param std     population standard deviation of the subset estimates
 * @param subsets number of subsets s
 * @param subsetSize rows per subset m
 */
@SuppressWarnings("try") // PointerScope acts by existing, unreferenced
public record Kid(double mean, double std, int subsets, int subsetSize) {

    /** The usual subset size (torch-fidelity's default). */
    public static final int DEFAULT_SUBSET_SIZE = 1000;

    /** KID of features A [n_a, d] and B [n_b, d] with the default subset size, in float64. */
    public static Kid of(Tensor a, Tensor b) {
        return of(a, b, DEFAULT_SUBSET_SIZE);
    }

    /**
     * KID with subsets of {@code min(maxSubsetSize, n_a, n_b)} rows.
     *
     * @throws IllegalArgumentException for non-matrices, different widths or fewer than 2 rows
     */
    public static Kid of(Tensor a, Tensor b, int maxSubsetSize) {
        if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1)) {
            throw new IllegalArgumentException("KID needs two feature matrices [n, d] of the same width d.");
        }
        int m = (int) Math.min(maxSubsetSize, Math.min(a.size(0), b.size(0)));
        if (m < 2) {
            throw new IllegalArgumentException("KID needs at least 2 samples in each set, got " + a.size(0) + " and "
                    + b.size(0) + ".");
        }
        int subsets = (int) (Math.min(a.size(0), b.size(0)) / m);
        double d = a.size(1);
        double[] estimates = new double[subsets];
        for (int s = 0; s < subsets; s++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor x = a.narrow(0, (long) s * m, m).detach().to(ScalarType.Double);     // [m, d]
                Tensor y = b.narrow(0, (long) s * m, m).detach().to(x.device(), ScalarType.Double);   // [m, d]
                double kxx = offDiagonalSum(kernel(x, x, d));
                double kyy = offDiagonalSum(kernel(y, y, d));
                double kxy = kernel(x, y, d).sum().item_double();
                estimates[s] = (kxx + kyy) / ((double) m * (m - 1)) - 2 * kxy / ((double) m * m);
            }
        }
        double mean = 0;
        for (double e : estimates) {
            mean += e / subsets;
        }
        double var = 0;
        for (double e : estimates) {
            var += (e - mean) * (e - mean) / subsets;
        }
        return new Kid(mean, Math.sqrt(var), subsets, m);
    }

    /** {@code (x y^T / d + 1)^3}, [m, m]. */
    private static Tensor kernel(Tensor x, Tensor y, double d) {
        return x.matmul(y.t()).div(new Scalar(d)).add(new Scalar(1.0)).pow(new Scalar(3));
    }

    private static double offDiagonalSum(Tensor k) {
        return k.sum().item_double() - k.diagonal().sum().item_double();
    }
}
