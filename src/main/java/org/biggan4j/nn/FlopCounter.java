package org.biggan4j.nn;

import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Counts the multiply-add FLOPs of the layers that dominate a GAN's cost (convolutions,
 * transposed convolutions, linear maps and attention's batched products), forward and backward,
 * for model FLOPs utilisation in {@code bench train}.
 *
 * <p>Counting is opt-in and per thread, so training pays one thread-local read per layer call.
 * A layer adds 2 x MACs for its forward pass and, when autograd will differentiate it, the same
 * again for each gradient backward computes: the input gradient when the input requires grad,
 * the weight gradient when the weight does (each costs as much as the forward). Forwards run under
 * no-grad (G during D steps) therefore count once, and D's forward in the G step counts its input
 * gradient but no weight gradient. The extra backward of second-order penalties (GP, R1) is not
 * counted: MFU is then understated, never overstated. Elementwise work (activations, BatchNorm,
 * the optimiser) is left out, as FLOP counters for model utilisation customarily do.
 *
 * <p>Hand-written because libtorch's own FLOP counting lives in the Kineto profiler, which the
 * Java presets do not expose in a usable form.
 */
public final class FlopCounter {

    private static final ThreadLocal<long[]> COUNT = new ThreadLocal<>();

    private FlopCounter() {
    }

    /** Starts counting on this thread from zero. */
    public static void start() {
        COUNT.set(new long[1]);
    }

    /** Stops counting on this thread and returns the FLOPs counted since {@link #start()}. */
    public static long stop() {
        long[] c = COUNT.get();
        COUNT.remove();
        return c == null ? 0 : c[0];
    }

    /** Whether this thread is counting. */
    public static boolean counting() {
        return COUNT.get() != null;
    }

    /**
     * Records a layer call of {@code forwardFlops} (2 x MACs) whose input is {@code input} and
     * whose weight is {@code weight} (either may be null).
     */
    static void record(long forwardFlops, Tensor input, Tensor weight) {
        long[] c = COUNT.get();
        if (c == null) {
            return;
        }
        long total = forwardFlops;
        if (GradMode.is_enabled()) {
            if (input != null && input.requires_grad()) {
                total += forwardFlops;
            }
            if (weight != null && weight.requires_grad()) {
                total += forwardFlops;
            }
        }
        c[0] += total;
    }
}
