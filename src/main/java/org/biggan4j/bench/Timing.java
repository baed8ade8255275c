package org.biggan4j.bench;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/** Wall-clock timing of repeated work: warm-up runs, then the median of timed runs. */
public final class Timing {

    private Timing() {
    }

    /**
     * Runs {@code work} {@code warmup} times untimed, then {@code runs} times timed, each in its
     * own native-memory scope; on CUDA each run ends with a device synchronisation so the time
     * covers the kernels, not just their launch.
     *
     * @return the median seconds of the timed runs
     */
    public static double medianSeconds(ComputeDevice device, int warmup, int runs, Runnable work) {
        for (int i = 0; i < warmup; i++) {
            NativeMemory.scoped(work);
            sync(device);
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            NativeMemory.scoped(work);
            sync(device);
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        return median(t);
    }

    /** The median of some figures (the mean of the middle two for an even count); at least one. */
    public static double median(double[] values) {
        double[] t = values.clone();
        Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

    private static void sync(ComputeDevice device) {
        if (device.isCuda()) {
            torch.cuda_synchronize(device.index());
        }
    }
}
