package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/**
 * Streaming mean and covariance of feature vectors, batch by batch, in float64 on a device.
 * Memory stays at one [D] mean and one [D, D] matrix however many samples pass through.
 *
 * <p>Each batch is summarised by its own mean and centred scatter matrix and merged with the
 * running ones by Chan, Golub and LeVeque's pairwise update, which avoids the cancellation of
 * the naive {@code E[x x^T] - mu mu^T} when features have large means:
 * <pre>
 *   delta = mu_b - mu_a,  n = n_a + n_b
 *   mu    = mu_a + delta n_b / n
 *   M2    = M2_a + M2_b + delta delta^T n_a n_b / n          covariance = M2 / (n - 1)
 * </pre>
 *
 * <p>The state tensors belong to this object (not to any open PointerScope) until {@link #close}.
 * Call {@link #add} inside a scope: its temporaries are freed with the scope. Not thread-safe.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class FeatureAccumulator implements AutoCloseable {

    private final int dims;
    private final ComputeDevice device;
    private final Tensor mean;     // [D] float64
    private final Tensor scatter;  // [D, D] float64, sum of centred outer products (M2)
    private long count;
    private boolean closed;

    /** An empty accumulator for {@code dims}-wide features on {@code device}. */
    public FeatureAccumulator(int dims, ComputeDevice device) {
        if (dims < 1) {
            throw new IllegalArgumentException("The feature dimension must be >= 1, got " + dims + ".");
        }
        this.dims = dims;
        this.device = device;
        this.mean = torch.zeros(new long[] {dims}, device.options(ScalarType.Double));
        this.scatter = torch.zeros(new long[] {dims, dims}, device.options(ScalarType.Double));
        mean.retainReference();
        scatter.retainReference();
    }

    public int dims() {
        return dims;
    }

    /** Number of feature vectors added so far. */
    public long count() {
        return count;
    }

    /** Adds a batch of features [B, D] (any floating dtype; moved to this device if needed). */
    public void add(Tensor features) {
        checkOpen();
        if (features.dim() != 2 || features.size(1) != dims) {
            throw new IllegalArgumentException("Expected features of shape [B, " + dims + "], got "
                    + Arrays.toString(Tensors.shape(features)) + ".");
        }
        long nb = features.size(0);
        if (nb == 0) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor x = features.detach().to(device.torchDevice(), ScalarType.Double);   // [B, D]
            Tensor batchMean = x.mean(0);                                              // [D]
            Tensor centred = x.sub(batchMean);                                           // [B, D]
            Tensor batchScatter = centred.t().mm(centred);                               // [D, D]
            if (count == 0) {
                mean.copy_(batchMean);
                scatter.copy_(batchScatter);
            } else {
                double na = count;
                double n = na + nb;
                Tensor delta = batchMean.sub(mean);                                      // [D]
                mean.add_(delta, new Scalar(nb / n));
                scatter.add_(batchScatter);
                scatter.addr_(delta, delta, new Scalar(1.0), new Scalar(na * nb / n));
            }
        }
        count += nb;
    }

    /**
     * Adds another accumulator's samples (for example one per process or per shard): the same
     * pairwise update with the other's mean and scatter.
     */
    public void merge(FeatureAccumulator other) {
        checkOpen();
        if (other.dims != dims) {
            throw new IllegalArgumentException("Cannot merge " + other.dims + "-wide statistics into " + dims + "-wide ones.");
        }
        if (other.count == 0) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor om = other.mean.to(device.torchDevice(), ScalarType.Double);
            Tensor os = other.scatter.to(device.torchDevice(), ScalarType.Double);
            if (count == 0) {
                mean.copy_(om);
                scatter.copy_(os);
            } else {
                double na = count;
                double nb = other.count;
                double n = na + nb;
                Tensor delta = om.sub(mean);
                mean.add_(delta, new Scalar(nb / n));
                scatter.add_(os);
                scatter.addr_(delta, delta, new Scalar(1.0), new Scalar(na * nb / n));
            }
        }
        count += other.count;
    }

    /**
     * The statistics so far, copied to the heap.
     *
     * @throws IllegalStateException with fewer than two samples (no covariance)
     */
    public FeatureStatistics statistics() {
        checkOpen();
        if (count < 2) {
            throw new IllegalStateException("A covariance needs at least 2 feature vectors, but " + count
                    + " were added; evaluate more samples.");
        }
        try (PointerScope scope = new PointerScope()) {
            double[] mu = Tensors.toDoubles(mean);
            double[] sigma = Tensors.toDoubles(scatter.div(new Scalar((double) (count - 1))));
            return new FeatureStatistics(count, mu, sigma);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This FeatureAccumulator is closed.");
        }
    }

    /** Frees the state tensors. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            mean.releaseReference();
            scatter.releaseReference();
        }
    }
}
