package org.biggan4j.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Inception Score (Salimans et al. 2016; SPEC section 5): IS = exp(E_x KL(p(y|x) || p(y))),
 * computed, as in the reference code, on {@code splits} contiguous parts of the samples (part i
 * holds rows [i N / splits, (i + 1) N / splits)), each with its own marginal p(y); reported as
 * the mean and the population standard deviation over the parts. It ranges from 1 (every
 * prediction the same, or every prediction uniform) to K (confident and balanced over K classes).
 *
 * @param mean   mean of the per-split scores
 * @param std    standard deviation (ddof = 0) of the per-split scores
 * @param splits number of splits
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public record InceptionScore(double mean, double std, int splits) {

    /** The reference implementation's number of splits. */
    public static final int DEFAULT_SPLITS = 10;

    /**
     * IS from class probabilities [N, K] (rows sum to 1), computed in float64 on their device.
     *
     * @throws IllegalArgumentException when rows are not probability distributions or N < splits
     */
    public static InceptionScore fromProbabilities(Tensor probabilities, int splits) {
        if (probabilities.dim() != 2) {
            throw new IllegalArgumentException("Class probabilities must be a matrix [N, K], got "
                    + probabilities.dim() + " dimensions.");
        }
        long n = probabilities.size(0);
        if (splits < 1 || n < splits) {
            throw new IllegalArgumentException("The Inception Score with " + splits + " splits needs at least "
                    + Math.max(1, splits) + " samples and splits >= 1; got " + n + " samples.");
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor p = probabilities.detach().to(ScalarType.Double);                              // [N, K]
            double minimum = p.min().item_double();
            double rowError = p.sum(1).sub(new Scalar(1.0)).abs().max().item_double();
            if (minimum < 0 || rowError > 1e-3) {
                throw new IllegalArgumentException("Rows of the class probabilities must be non-negative and sum to 1 "
                        + "(largest deviation " + rowError + ", minimum " + minimum + "); pass logits to fromLogits instead.");
            }
            double[] scores = new double[splits];
            for (int i = 0; i < splits; i++) {
                long start = i * n / splits;
                long end = (i + 1) * n / splits;
                Tensor part = p.narrow(0, start, end - start);                                   // [n_i, K]
                Tensor marginal = part.mean(0).unsqueeze(0);                                      // [1, K]
                // KL(p(y|x) || p(y)) = sum_y p log p - p log p(y); xlogy makes 0 log 0 = 0.
                Tensor kl = part.xlogy(part).sub(part.xlogy(marginal)).sum(1);   // [n_i]
                scores[i] = Math.exp(kl.mean().item_double());
            }
            double mean = 0;
            for (double s : scores) {
                mean += s / splits;
            }
            double var = 0;
            for (double s : scores) {
                var += (s - mean) * (s - mean) / splits;
            }
            return new InceptionScore(mean, Math.sqrt(var), splits);
        }
    }

    /** IS from classifier logits [N, K]: softmax in float64, then {@link #fromProbabilities}. */
    public static InceptionScore fromLogits(Tensor logits, int splits) {
        try (PointerScope scope = new PointerScope()) {
            return fromProbabilities(logits.detach().to(ScalarType.Double).softmax(1), splits);
        }
    }
}
