package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Fréchet distance between two Gaussians fitted to feature sets (Heusel et al. 2017; SPEC
 * section 5):
 * <pre>  FID = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))</pre>
 *
 * <p>The trace of the matrix square root is computed by symmetric eigendecompositions in
 * float64, never by Newton–Schulz iteration (which needs tuning and fails silently on
 * ill-conditioned covariances) nor by a general {@code sqrtm} (whose complex round-off the
 * reference code discards): with R = S1^(1/2) from eigh, S1 S2 = R (R S2 R) R^(-1) is similar to
 * the symmetric positive semi-definite M = R S2 R, so Tr (S1 S2)^(1/2) = sum_i sqrt(lambda_i(M)).
 * This holds for singular S1 too (fewer samples than dimensions). Eigenvalues are clamped at 0
 * before the square root, because round-off makes tiny ones slightly negative.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class Fid {

    private Fid() {
    }

    /**
     * FID between two sets of statistics, computed on {@code device}.
     *
     * @throws IllegalArgumentException when the feature dimensions differ
     */
    public static double distance(FeatureStatistics a, FeatureStatistics b, ComputeDevice device) {
        requireSameDims(a.dims(), b.dims(), "the first set", "the second set");
        try (PointerScope scope = new PointerScope()) {
            Tensor diff = a.muTensor(device).sub(b.muTensor(device));                    // [D]
            double meanTerm = diff.dot(diff).item_double();
            Tensor s1 = a.sigmaTensor(device);                                            // [D, D]
            Tensor s2 = b.sigmaTensor(device);                                            // [D, D]
            double traces = s1.trace().item_double() + s2.trace().item_double();
            double fid = meanTerm + traces - 2 * traceSqrtProduct(s1, s2);
            // FID is a squared Wasserstein-2 distance, hence >= 0; identical inputs can give -1e-13.
            return Math.max(0.0, fid);
        }
    }

    /** FID between two feature matrices [N, D] and [M, D], statistics computed on {@code device}. */
    public static double distance(Tensor featuresA, Tensor featuresB, ComputeDevice device) {
        requireSameDims(featuresA.size(-1), featuresB.size(-1), "the first feature set", "the second feature set");
        return distance(FeatureStatistics.of(featuresA, device), FeatureStatistics.of(featuresB, device), device);
    }

    /**
     * Tr((S1 S2)^(1/2)) for symmetric positive semi-definite S1, S2 [D, D] (any floating dtype;
     * computed in float64 on their device).
     */
    public static double traceSqrtProduct(Tensor s1, Tensor s2) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = symmetric(s1.to(ScalarType.Double));
            Tensor b = symmetric(s2.to(ScalarType.Double));
            T_TensorTensor_T eig = torch.linalg_eigh(a);
            Tensor rootValues = eig.get0().clamp_min(new Scalar(0.0)).sqrt();             // [D]
            Tensor vectors = eig.get1();                                                  // [D, D], columns
            Tensor root = vectors.mul(rootValues).mm(vectors.t());                        // S1^(1/2) [D, D]
            Tensor m = symmetric(root.mm(b).mm(root));                                    // [D, D], PSD
            return torch.linalg_eigvalsh(m).clamp_min(new Scalar(0.0)).sqrt().sum().item_double();
        }
    }

    private static Tensor symmetric(Tensor m) {
        return m.add(m.t()).mul(new Scalar(0.5));
    }

    static void requireSameDims(long a, long b, String nameA, String nameB) {
        if (a != b) {
            throw new IllegalArgumentException("Feature dimensions differ: " + nameA + " has " + a + ", " + nameB + " has "
                    + b + "; compute both with the same feature extractor.");
        }
    }
}
