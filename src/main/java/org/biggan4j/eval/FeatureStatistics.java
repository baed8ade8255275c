package org.biggan4j.eval;

import org.biggan4j.data.DataFormatException;
import org.biggan4j.io.InputLimits;
import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyArray;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Gaussian summary of a feature set that FID compares (SPEC section 5): sample count, mean
 * and covariance (unbiased, divided by n - 1, as {@code np.cov} and the reference FID code do).
 *
 * <p>Saved as a {@code .npz} archive with members {@code mu} [D] and {@code sigma} [D, D]
 * (float64) and {@code n} (int64, zero-dimensional): the layout of the pytorch-fid and
 * TTUR statistics files, so their {@code .npz} files load here too (without {@code n}, the count
 * reads as 0, meaning unknown).
 *
 * <p>The arrays are shared, not copied (a 2048-wide covariance is 32 MB): do not modify them.
 *
 * @param count number of feature vectors summarised; 0 when unknown
 * @param mu    mean, [D]
 * @param sigma covariance, [D, D] row-major
 */
public record FeatureStatistics(long count, double[] mu, double[] sigma) {

    public FeatureStatistics {
        if (count < 0) {
            throw new IllegalArgumentException("A feature count cannot be negative, got " + count + ".");
        }
        if (mu.length == 0) {
            throw new IllegalArgumentException("Feature statistics need at least one dimension.");
        }
        if ((long) mu.length * mu.length != sigma.length) {
            throw new IllegalArgumentException("A covariance for " + mu.length + " dimensions holds "
                    + (long) mu.length * mu.length + " values, but " + sigma.length + " were given.");
        }
    }

    /** Feature dimension D. */
    public int dims() {
        return mu.length;
    }

    /**
     * Statistics of a whole feature matrix [N, D] (any device and floating dtype), computed in
     * float64 on {@code device}, streamed in row batches so that temporaries stay small.
     */
    public static FeatureStatistics of(Tensor features, ComputeDevice device) {
        if (features.dim() != 2) {
            throw new IllegalArgumentException("Features must be a matrix [N, D], got " + features.dim() + " dimensions.");
        }
        try (FeatureAccumulator acc = new FeatureAccumulator((int) features.size(1), device)) {
            long n = features.size(0);
            long batch = Math.max(1, (1L << 22) / Math.max(1, features.size(1)));
            for (long start = 0; start < n; start += batch) {
                long from = start;
                long rows = Math.min(n, start + batch) - start;
                NativeMemory.scoped(() -> acc.add(features.narrow(0, from, rows)));
            }
            return acc.statistics();
        }
    }

    /** The mean as a float64 tensor [D] on {@code device}. */
    public Tensor muTensor(ComputeDevice device) {
        return Tensors.fromDoubles(mu, device, mu.length);
    }

    /** The covariance as a float64 tensor [D, D] on {@code device}. */
    public Tensor sigmaTensor(ComputeDevice device) {
        return Tensors.fromDoubles(sigma, device, mu.length, mu.length);
    }

    /**
     * Refuses a feature width over {@link InputLimits#featureDim()} before anything of that width
     * is allocated: the covariance alone is {@code dims^2} doubles, so a width of 200,000 from a
     * small file would ask for 320 GB.
     */
    public static void checkDims(Object file, long dims) {
        InputLimits.check(file, "a feature width of " + dims + " (its covariance is width^2 doubles)",
                dims, InputLimits.current().featureDim(), "feature_dim");
    }

    /** Saves {@code mu}, {@code sigma} and {@code n} to a {@code .npz} archive, atomically. */
    public void save(Path file) throws IOException {
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("mu", NpyArray.ofDoubles(mu, mu.length));
        m.put("sigma", NpyArray.ofDoubles(sigma, mu.length, mu.length));
        m.put("n", NpyArray.scalar(count));
        Npy.writeNpz(file, m);
    }

    /**
     * Loads statistics saved by {@link #save}, pytorch-fid or TTUR ({@code mu} [D] and
     * {@code sigma} [D, D]; {@code n} optional).
     *
     * @throws DataFormatException naming the file when members are missing or shaped wrongly
     */
    public static FeatureStatistics load(Path file) throws IOException {
        Map<String, NpyArray> m = Npy.readNpz(file);
        NpyArray mu = m.get("mu");
        NpyArray sigma = m.get("sigma");
        if (mu == null || sigma == null) {
            throw new DataFormatException(file + " lacks the 'mu' and 'sigma' arrays of feature statistics (it holds "
                    + m.keySet() + "); create it with 'biggan4j fid --save-stats-a' or np.savez(path, mu=..., sigma=...).");
        }
        long[] ms = mu.shape();
        long[] ss = sigma.shape();
        if (ms.length != 1 || ss.length != 2 || ss[0] != ms[0] || ss[1] != ms[0]) {
            throw new DataFormatException(file + " has mu of shape " + Arrays.toString(ms) + " and sigma of shape "
                    + Arrays.toString(ss) + "; expected [D] and [D, D].");
        }
        checkDims(file, ms[0]);
        if (!mu.dtype().isFloatingPoint() || !sigma.dtype().isFloatingPoint()) {
            throw new DataFormatException(file + " stores mu/sigma as integers; feature statistics must be float32 or float64.");
        }
        NpyArray count = m.get("n");
        if (count != null && (count.count() != 1 || count.dtype().isFloatingPoint())) {
            throw new DataFormatException(file + ": its 'n' is not one integer (" + count + "); save it as np.int64(N)"
                    + " or leave it out.");
        }
        long n = count != null ? count.scalarLong() : 0;
        return new FeatureStatistics(n, mu.toDoubles(), sigma.toDoubles());
    }
}
