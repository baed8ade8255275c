package org.biggan4j.nn;

import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The top singular values of one weight matrix by warm-started subspace iteration with a
 * Rayleigh-Ritz step (Halko, Martinsson &amp; Tropp 2011, algorithm 4.4 with re-use of the
 * previous basis): a handful of products with W and W^T per call instead of a full SVD, which
 * is what makes logging sigma_0..sigma_2 of every layer every few hundred iterations affordable
 * (BigGAN section 4.1 tracks exactly these).
 *
 * <p>The basis is {@code k + oversample} wide: the extra directions make the top k converge at
 * rate (sigma_{k+p} / sigma_k)^iterations rather than (sigma_{k+1} / sigma_k)^iterations.
 * It is kept between calls (in float64, on the weight's device), so during training, where
 * weights move slowly, one or two iterations per call suffice.
 *
 * <p>Not thread-safe; one instance per weight.
 */
public final class SubspaceSpectrum implements AutoCloseable {

    /** Singular values (descending), the Frobenius norm, and how many iterations ran. */
    public record Estimate(double[] sigmas, double frobenius, int iterations) {
    }

    private final int k;
    private final int width;
    private Tensor basis; // [in, width], float64, orthonormal columns; owned (outside scopes)

    /**
     * @param k          singular values wanted (3 for sigma_0..sigma_2)
     * @param oversample extra basis vectors (8 is plenty for trained weights)
     */
    public SubspaceSpectrum(int k, int oversample) {
        if (k < 1 || oversample < 0) {
            throw new IllegalArgumentException("k must be >= 1 and oversample >= 0, got " + k + ", " + oversample + ".");
        }
        this.k = k;
        this.width = k + oversample;
    }

    /**
     * Estimates the top singular values of {@code weight} (any shape; flattened to
     * [shape[0], rest] as spectral normalisation does). Iterates until the top k change by less
     * than {@code tolerance} (relative) between iterations, or {@code maxIterations}.
     */
    public Estimate estimate(Tensor weight, int maxIterations, double tolerance) {
        return NativeMemory.scoped(() -> {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor w = weight.detach().reshape(weight.size(0), -1).to(torch.ScalarType.Double);
                long in = w.size(1);
                long cols = Math.min(width, Math.min(in, w.size(0)));
                if (basis == null || basis.size(0) != in || basis.size(1) != cols) {
                    replaceBasis(orthonormal(torch.randn(new long[] {in, cols}, w.options())));
                }
                Tensor v = basis;
                double[] previous = null;
                double[] sigmas = null;
                int it = 0;
                while (it < Math.max(1, maxIterations)) {
                    it++;
                    // One power step on the subspace: V <- orth(W^T W V).
                    v = orthonormal(w.t().mm(w.mm(v)));
                    sigmas = ritzValues(w.mm(v));
                    if (previous != null && converged(previous, sigmas, tolerance)) {
                        break;
                    }
                    previous = sigmas;
                }
                replaceBasis(v);
                double[] top = new double[(int) Math.min(k, sigmas.length)];
                System.arraycopy(sigmas, 0, top, 0, top.length);
                return new Estimate(top, torch.linalg_vector_norm(w).item_double(), it);
            }
        });
    }

    /**
     * Clamps the top singular value of {@code weight} in place (BigGAN section 4.1):
     * W &lt;- W - max(0, sigma_0 - clamp) u_0 v_0^T, using a fresh estimate. The other singular
     * values and vectors are unchanged. Returns sigma_0 before the clamp.
     */
    public double clampTop(Tensor weight, double clamp, int maxIterations, double tolerance) {
        double sigma0 = estimate(weight, maxIterations, tolerance).sigmas()[0];
        if (sigma0 <= clamp) {
            return sigma0;
        }
        Tensor[] uv = topVectors(weight);
        NativeMemory.scoped(() -> {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor delta = torch.outer(uv[0], uv[1]).mul(new Scalar(sigma0 - clamp));
                weight.sub_(delta.reshape(Tensors.shape(weight)).to(weight.scalar_type()));
            }
        });
        uv[0].close();
        uv[1].close();
        return sigma0;
    }

    /**
     * The top singular vectors (u_0 [out], v_0 [in], float64) of the weight as of the latest
     * {@link #estimate}; for the sigma clamp W &lt;- W - max(0, sigma_0 - c) u_0 v_0^T.
     */
    public Tensor[] topVectors(Tensor weight) {
        return NativeMemory.scoped(() -> {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor w = weight.detach().reshape(weight.size(0), -1).to(torch.ScalarType.Double);
                // Rayleigh-Ritz on the kept basis: W V = U' S Z^T, so u_0 = U'[:, 0] and v_0 = V Z[:, 0].
                T_TensorTensorTensor_T usv = torch.linalg_svd(w.mm(basis), false, null);
                Tensor u = T_TensorTensorTensor_T.get0(usv).select(1, 0).contiguous();
                Tensor z = T_TensorTensorTensor_T.get2(usv).select(0, 0);
                Tensor v = basis.mv(z).contiguous();
                return new Tensor[] {NativeMemory.keep(u.clone()), NativeMemory.keep(v.clone())};
            }
        });
    }

    private static Tensor orthonormal(Tensor m) {
        T_TensorTensor_T qr = torch.linalg_qr(m);
        return T_TensorTensor_T.get0(qr);
    }

    private static double[] ritzValues(Tensor wv) {
        return Tensors.toDoubles(torch.linalg_svdvals(wv));
    }

    private boolean converged(double[] a, double[] b, double tolerance) {
        for (int i = 0; i < Math.min(k, b.length); i++) {
            if (Math.abs(a[i] - b[i]) > tolerance * Math.abs(b[i])) {
                return false;
            }
        }
        return true;
    }

    private void replaceBasis(Tensor v) {
        Tensor kept = NativeMemory.keep(v.clone());
        if (basis != null) {
            basis.close();
        }
        basis = kept;
    }

    @Override
    public void close() {
        if (basis != null) {
            basis.close();
            basis = null;
        }
    }
}
