package org.biggan4j.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch normalisation over {@code [B, C, H, W]} with running statistics, and the two modes
 * BigGAN needs besides the usual one:
 * <ul>
 *   <li><b>standing statistics</b> ({@link #startStandingStatistics()}): forwards in training
 *       mode accumulate a cumulative average of batch moments instead of an exponential one,
 *       so that after K batches of noise the running statistics are the mean over all of them
 *       (BigGAN section 4 / appendix: "standing statistics");</li>
 *   <li>the affine part is supplied by the caller ({@link #normalise}) for conditional BN.</li>
 * </ul>
 * eps is configurable (BigGAN: 1e-4); momentum 0.1. Buffers: {@code running_mean},
 * {@code running_var}, {@code num_batches}.
 *
 * <p><b>Truncation-indexed statistics</b> (the published BigGAN-deep models converted from TF
 * Hub, {@code statisticsRows} &gt; 0): the layer holds fixed tables {@code running_means},
 * {@code running_vars} of shape {@code [rows, C]} instead of the three buffers above, and
 * normalises with rows chosen from the sampling truncation ({@link #selectTruncation}); batch
 * statistics are never used, in either mode, and standing-statistics passes are refused.
 */
public class BatchNorm2d extends Module {

    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatches;
    /** Truncation-indexed tables {@code [rows, C]}, or null for ordinary running statistics. */
    private final Tensor runningMeans;
    private final Tensor runningVars;
    /** The truncation whose table rows are used; NaN until {@link #selectTruncation} is called. */
    private double truncation = Double.NaN;
    private final double eps;
    private final double momentum;
    private final Tensor gain;
    private final Tensor shift;
    private boolean standing;
    private Object standingPass;
    private MomentsHook momentsHook;

    /** The standing-statistics pass open on this thread, if any (see {@link #openStandingPass()}). */
    private static final ThreadLocal<StandingPass> OPEN_PASS = new ThreadLocal<>();

    /**
     * A standing-statistics pass over a whole network (BigGAN appendix: "standing statistics"):
     * while it is open on this thread, every BatchNorm2d that runs a forward, in training or eval
     * mode, normalises with the batch's moments; the first such forward resets its running
     * statistics, and each later one folds its moments into a cumulative average. Closing the pass
     * leaves every layer holding the mean moments over the batches it saw, ready for eval mode.
     * The rest of the network can stay in eval mode, so spectral-norm vectors do not move.
     */
    public static final class StandingPass implements AutoCloseable {
        private StandingPass() {
        }

        @Override
        public void close() {
            if (OPEN_PASS.get() == this) {
                OPEN_PASS.remove();
            }
        }
    }

    /** Opens a standing-statistics pass on this thread; close it when the noise batches are done. */
    public static StandingPass openStandingPass() {
        if (OPEN_PASS.get() != null) {
            throw new IllegalStateException("A standing-statistics pass is already open on this thread.");
        }
        StandingPass pass = new StandingPass();
        OPEN_PASS.set(pass);
        return pass;
    }

    /**
     * Sees the per-channel batch sums before they become the batch moments, and may replace
     * them: the distributed trainer all-reduces them across processes here (cross-replica BN,
     * BigGAN section 3), so every replica normalises with the moments of the global batch.
     */
    @FunctionalInterface
    public interface MomentsHook {
        /**
         * @param sum          per-channel sum of x over the local batch, {@code [C]}, with autograd history
         * @param sumOfSquares per-channel sum of x^2, {@code [C]}
         * @param count        local elements per channel (B x H x W)
         * @return {sum, sumOfSquares, count} over everything the moments should cover
         */
        Moments reduce(Tensor sum, Tensor sumOfSquares, long count);
    }

    /** Sums of a batch: the result of a {@link MomentsHook}. */
    public record Moments(Tensor sum, Tensor sumOfSquares, long count) {
    }

    /** Routes training-mode moments through {@code hook} (null: the fused local kernel). */
    public void setMomentsHook(MomentsHook hook) {
        this.momentsHook = hook;
    }

    /** An open {@link #routeMoments} routing; closing it ends the routing. */
    public interface Route extends AutoCloseable {
        @Override
        void close();
    }

    /** The hook that every layer without its own uses on this thread (see {@link #routeMoments}). */
    private static final ThreadLocal<MomentsHook> THREAD_HOOK = new ThreadLocal<>();

    /**
     * Routes the training-mode moments of every BatchNorm2d that runs a forward on this thread
     * through {@code hook} until the returned handle is closed (a layer's own
     * {@link #setMomentsHook} takes precedence). Data-parallel training opens it around each
     * training step: cross-replica BN for every network the step runs, as PyTorch's
     * {@code SyncBatchNorm.convert_sync_batchnorm} gives, but not for forwards outside the
     * step (sampling, standing statistics, evaluation), which may run on one rank alone.
     * Per thread and per scope rather than per layer because libtorch hands back submodules
     * without their Java objects, so the layers of a built network cannot be enumerated.
     */
    public static Route routeMoments(MomentsHook hook) {
        if (THREAD_HOOK.get() != null) {
            throw new IllegalStateException("BatchNorm moments are already routed on this thread.");
        }
        THREAD_HOOK.set(hook);
        return THREAD_HOOK::remove;
    }

    /**
     * @param affine whether this layer owns gain and bias parameters (plain BN); conditional BN passes false
     */
    public BatchNorm2d(long channels, double eps, boolean affine, LayerFactory factory) {
        this(channels, eps, affine, 0, factory);
    }

    /**
     * @param affine         whether this layer owns gain and bias parameters (plain BN); conditional BN passes false
     * @param statisticsRows 0 = ordinary running statistics; n &gt; 1 = fixed {@code [n, C]} tables indexed by
     *                       truncation (published BigGAN-deep: 51)
     */
    public BatchNorm2d(long channels, double eps, boolean affine, int statisticsRows, LayerFactory factory) {
        if (statisticsRows < 0 || statisticsRows == 1) {
            throw new IllegalArgumentException("A truncation-indexed statistics table needs at least 2 rows (0 = off), got "
                    + statisticsRows + ".");
        }
        this.eps = eps;
        this.momentum = 0.1;
        if (statisticsRows == 0) {
            runningMean = Registration.buffer(this, "running_mean", torch.zeros(new long[] {channels}, factory.options()));
            runningVar = Registration.buffer(this, "running_var", torch.ones(new long[] {channels}, factory.options()));
            numBatches = Registration.buffer(this, "num_batches", torch.zeros(new long[] {1}, factory.options()));
            runningMeans = null;
            runningVars = null;
        } else {
            runningMeans = Registration.buffer(this, "running_means",
                    torch.zeros(new long[] {statisticsRows, channels}, factory.options()));
            runningVars = Registration.buffer(this, "running_vars",
                    torch.ones(new long[] {statisticsRows, channels}, factory.options()));
            runningMean = null;
            runningVar = null;
            numBatches = null;
        }
        if (affine) {
            gain = Registration.parameter(this, "gain", torch.ones(new long[] {channels}, factory.options()));
            shift = Registration.parameter(this, "bias", torch.zeros(new long[] {channels}, factory.options()));
        } else {
            gain = null;
            shift = null;
        }
    }

    /** Plain BN: normalise, then the layer's own gain and bias. */
    public Tensor forward(Tensor x) {
        if (gain == null) {
            throw new IllegalStateException("This batch norm has no affine parameters; use normalise() with a gain and bias.");
        }
        return normalise(x, gain.reshape(1, -1, 1, 1), shift.reshape(1, -1, 1, 1));
    }

    /**
     * (x - mean) / sqrt(var + eps) * gain + bias, with batch moments in training mode (updating
     * the running statistics) and the running statistics in eval mode.
     *
     * @param gain {@code [B or 1, C, 1, 1]}
     * @param bias {@code [B or 1, C, 1, 1]}
     */
    public Tensor normalise(Tensor x, Tensor gain, Tensor bias) {
        StandingPass pass = OPEN_PASS.get();
        if (runningMeans != null) {
            if (pass != null) {
                throw new IllegalStateException("This generator's BatchNorm statistics are fixed tables indexed by "
                        + "truncation (a published BigGAN-deep model): standing statistics do not apply to it.");
            }
            Tensor[] moments = tableStatistics();
            return torch.batch_norm(x, new TensorOptional(), new TensorOptional(), new TensorOptional(moments[0]),
                    new TensorOptional(moments[1]), false, 0.0, eps, false).mul(gain).add(bias);
        }
        if (pass != null && standingPass != pass) {
            resetStatistics();
            standingPass = pass;
        }
        boolean training = is_training() || pass != null;
        double m = momentum;
        if (training && (standing || pass != null)) {
            // Cumulative average: the n-th batch (from 0) gets weight 1 / (n + 1).
            double n = numBatches.item_double();
            m = 1.0 / (n + 1);
        }
        MomentsHook hook = momentsHook != null ? momentsHook : THREAD_HOOK.get();
        Tensor normalised = training && hook != null ? normaliseWithHook(x, m, hook)
                : torch.batch_norm(x, new TensorOptional(), new TensorOptional(),
                        new TensorOptional(runningMean), new TensorOptional(runningVar), training, m, eps, false);
        if (training) {
            try (NoGradGuard g = new NoGradGuard()) {
                numBatches.add_(new Scalar(1.0));
            }
        }
        return normalised.mul(gain).add(bias);
    }

    /** Batch normalisation from sums that the hook may have reduced across replicas. */
    private Tensor normaliseWithHook(Tensor x, double momentum, MomentsHook hook) {
        long[] dims = {0, 2, 3};
        long count = x.size(0) * x.size(2) * x.size(3);
        Moments moments = hook.reduce(x.sum(dims, false, null), x.mul(x).sum(dims, false, null), count);
        double n = moments.count();
        Tensor mean = moments.sum().div(new Scalar(n));
        Tensor var = moments.sumOfSquares().div(new Scalar(n)).sub(mean.mul(mean), new Scalar(1.0)).clamp_min(new Scalar(0.0));
        try (NoGradGuard g = new NoGradGuard()) {
            // Running variance is unbiased, as in the fused kernel.
            runningMean.mul_(new Scalar(1 - momentum)).add_(mean.detach(), new Scalar(momentum));
            runningVar.mul_(new Scalar(1 - momentum)).add_(var.detach(), new Scalar(momentum * n / Math.max(1, n - 1)));
        }
        return x.sub(mean.reshape(1, -1, 1, 1), new Scalar(1.0))
                .div(var.add(new Scalar(eps)).sqrt().reshape(1, -1, 1, 1));
    }

    /** Whether this layer uses truncation-indexed statistics tables. */
    public boolean truncationIndexed() {
        return runningMeans != null;
    }

    /**
     * Chooses the table rows for {@code truncation} (in (0, 1]); every later forward uses them.
     * Only for layers with truncation-indexed statistics.
     */
    public void selectTruncation(double truncation) {
        if (runningMeans == null) {
            throw new IllegalStateException("This BatchNorm has running statistics, not tables indexed by truncation.");
        }
        statisticsRows(truncation, runningMeans.size(0)); // validates
        this.truncation = truncation;
    }

    /**
     * The rows and weights pytorch-pretrained-BigGAN's {@code BigGANBatchNorm} uses for a
     * truncation: with step = 1 / (rows - 1) and q = truncation / step in double precision
     * (so 0.4 and 1.0 give exactly 20 and 50), i = integer part, f = fractional part (C modf);
     * f = 0 selects row i, otherwise the statistics are row i * f + row i+1 * (1 - f). The
     * weights are the reverse of linear interpolation, as in the original (and the converted
     * TF Hub weights were tabulated for it).
     *
     * @return {i, f}
     */
    public static double[] statisticsRows(double truncation, long rows) {
        if (!(truncation > 0 && truncation <= 1)) {
            throw new IllegalArgumentException("Truncation " + truncation + " is outside (0, 1]: the BatchNorm "
                    + "statistics of published BigGAN-deep models are tabulated for truncations in (0, 1] (1 = none).");
        }
        double step = 1.0 / (rows - 1);
        double q = truncation / step;
        double i = Math.floor(q);
        double f = q - i;
        if (i >= rows - 1) {
            // q rounding just above the last row: the last row (f is then at most a rounding error).
            return new double[] {rows - 1, 0.0};
        }
        return new double[] {i, f};
    }

    /** The mean and variance {@code [C]} of the selected truncation's rows. */
    private Tensor[] tableStatistics() {
        if (Double.isNaN(truncation)) {
            throw new IllegalStateException("This generator's BatchNorm statistics are indexed by truncation: choose "
                    + "one with Generator.selectTruncation before a forward (biggan4j sample --truncation T).");
        }
        double[] rf = statisticsRows(truncation, runningMeans.size(0));
        long i = (long) rf[0];
        double f = rf[1];
        if (f == 0.0) {
            return new Tensor[] {runningMeans.select(0, i), runningVars.select(0, i)};
        }
        return new Tensor[] {mix(runningMeans, i, f), mix(runningVars, i, f)};
    }

    private static Tensor mix(Tensor table, long i, double f) {
        return table.select(0, i).mul(new Scalar(f)).add(table.select(0, i + 1).mul(new Scalar(1.0 - f)));
    }

    /** Resets the running statistics and switches to cumulative accumulation (standing statistics). */
    public void startStandingStatistics() {
        resetStatistics();
        standing = true;
    }

    private void resetStatistics() {
        if (runningMeans != null) {
            throw new IllegalStateException("Truncation-indexed BatchNorm statistics are fixed tables: they cannot be "
                    + "reset or re-estimated.");
        }
        try (NoGradGuard g = new NoGradGuard()) {
            runningMean.zero_();
            runningVar.fill_(new Scalar(1.0));
            numBatches.zero_();
        }
    }

    /** Back to the exponential moving average of ordinary training. */
    public void stopStandingStatistics() {
        standing = false;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    public double eps() {
        return eps;
    }
}
