package org.biggan4j.data.toy;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Mode coverage of generated 2-D samples against a {@link RingOfGaussians}, the metric of the
 * mode-collapse literature (Metz et al. 2017; Srivastava et al. 2017, VEEGAN; Lin et al. 2018,
 * PacGAN): a sample is "high quality" when it lies within 3 standard deviations of its nearest
 * mode; a mode is covered when at least {@code minSamplesPerMode} high-quality samples fall on it.
 */
public final class ModeCoverage {

    /**
     * The outcome of one evaluation; {@code meanDistanceToNearestMode} is the mean Euclidean
     * distance from a sample to its nearest mode centre (how close G is to the data at all, also
     * when it covers no mode).
     */
    public record Result(int modesCovered, int modes, double highQualityFraction, int[] highQualityPerMode,
                         int samples, double meanDistanceToNearestMode) {
        public Result {
            highQualityPerMode = highQualityPerMode.clone();
        }

        @Override
        public int[] highQualityPerMode() {
            return highQualityPerMode.clone();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d/%d modes, %.1f%% high quality, per mode %s, mean distance to the "
                    + "nearest mode %.3f", modesCovered, modes, 100 * highQualityFraction,
                    Arrays.toString(highQualityPerMode), meanDistanceToNearestMode);
        }
    }

    private final RingOfGaussians ring;
    private final int minSamplesPerMode;

    /**
     * @param ring              the data distribution
     * @param minSamplesPerMode high-quality samples a mode needs to count as covered (&gt;= 1);
     *                          PacGAN uses 20 of 2,500 samples for 25 modes
     */
    public ModeCoverage(RingOfGaussians ring, int minSamplesPerMode) {
        if (minSamplesPerMode < 1) {
            throw new IllegalArgumentException("A mode needs at least 1 sample to count as covered, got "
                    + minSamplesPerMode + ".");
        }
        this.ring = ring;
        this.minSamplesPerMode = minSamplesPerMode;
    }

    /** Evaluates samples {@code [N, 2]} (or {@code [N, 2, 1, 1]}) on any device. */
    public Result evaluate(Tensor samples) {
        long n = samples.size(0);
        if (samples.numel() != 2 * n) {
            throw new IllegalArgumentException("Mode coverage needs 2-D points, got a tensor of shape "
                    + Arrays.toString(Tensors.shape(samples)) + ".");
        }
        return evaluate(Tensors.toDoubles(samples));
    }

    /** Evaluates points given as {@code x0, y0, x1, y1, ...}. */
    public Result evaluate(double[] xy) {
        if (xy.length == 0 || xy.length % 2 != 0) {
            throw new IllegalArgumentException("Mode coverage needs a non-empty list of (x, y) pairs, got "
                    + xy.length + " values.");
        }
        double[][] centers = ring.centers();
        double limit = 3 * ring.std();
        int[] perMode = new int[ring.modes()];
        int good = 0;
        double distanceSum = 0;
        int n = xy.length / 2;
        for (int i = 0; i < n; i++) {
            double x = xy[2 * i];
            double y = xy[2 * i + 1];
            int nearest = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0; k < centers.length; k++) {
                double dx = x - centers[k][0];
                double dy = y - centers[k][1];
                double d = Math.sqrt(dx * dx + dy * dy);
                if (d < best) {
                    best = d;
                    nearest = k;
                }
            }
            distanceSum += best;
            if (best <= limit) {
                perMode[nearest]++;
                good++;
            }
        }
        int covered = 0;
        for (int count : perMode) {
            if (count >= minSamplesPerMode) {
                covered++;
            }
        }
        return new Result(covered, ring.modes(), (double) good / n, perMode, n, distanceSum / n);
    }
}
