package org.biggan4j.bench;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.nn.FlopCounter;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Times whole training iterations of a configuration through the real step (data loader,
 * D steps, G step, EMA, metrics), as {@code biggan4j train} runs them but without listeners.
 *
 * <p>The FLOPs of one iteration are counted by running one extra iteration with
 * {@link FlopCounter} on; model FLOPs utilisation is achieved FLOP/s over a peak measured by
 * {@link PeakBenchmark} on the same machine.
 */
public final class TrainBenchmark {

    /**
     * @param secondsPerIteration median wall seconds of the timed iterations
     * @param iterationSeconds    every timed iteration, in order
     * @param imagesPerIteration  images per iteration: the G update's batch, batch x accumulation
     *                            ({@link TrainConfig.TrainingConfig#imagesPerIteration})
     * @param discriminatorImagesPerIteration real images the D steps read: batch x accumulation x D steps
     * @param flopsPerIteration   counted FLOPs of one iteration (forward and backward of every D and G step)
     * @param peakResidentBytes   the process's peak resident memory (VmHWM) at the end
     * @param javaShare           share of the training thread's wall time in Java code during the
     *                            timed iterations (the JVM overhead), from stack samples
     * @param libtorchShare       share inside libtorch calls
     * @param waitingShare        share in other native frames (waiting for the data loader, I/O)
     * @param samples             stack samples behind the three shares
     * @param libtorchSites       libtorch samples by the innermost biggan4j method (layer forward
     *                            or step backward) they were taken under, largest first
     */
    public record Result(String device, int threads, int warmup, double secondsPerIteration,
                         double[] iterationSeconds, int imagesPerIteration, int discriminatorImagesPerIteration,
                         long flopsPerIteration,
                         long peakResidentBytes, double javaShare, double libtorchShare, double waitingShare,
                         long samples, LinkedHashMap<String, Long> libtorchSites) {

        public double iterationsPerSecond() {
            return 1.0 / secondsPerIteration;
        }

        /** Images per second: {@link #imagesPerIteration} over the median iteration. */
        public double imagesPerSecond() {
            return imagesPerIteration / secondsPerIteration;
        }

        /** Real images D reads per second. */
        public double discriminatorImagesPerSecond() {
            return discriminatorImagesPerIteration / secondsPerIteration;
        }

        public double achievedGflops() {
            return flopsPerIteration / secondsPerIteration / 1e9;
        }
    }

    /**
     * Stack-sampling interval of the JVM-overhead measurement. Each sample stops the training
     * thread at a safepoint; every 2 ms that slowed fmnist-demo's iteration by about 3%
     * (0.272 against 0.264 s, 2026-12-06), every 10 ms it still gives hundreds of samples.
     */
    static final double SAMPLE_MILLIS = 10;

    private TrainBenchmark() {
    }

    /**
     * Builds a session for {@code config} in {@code scratch} (nothing is written there but what
     * the session itself needs), runs {@code warmup} untimed iterations, one counted iteration,
     * then {@code runs} timed ones.
     *
     * @param progress told the number of each iteration as it finishes (for a progress bar)
     */
    public static Result run(TrainConfig config, Path scratch, int warmup, int runs, IntConsumer progress) {
        if (warmup < 0 || runs < 1) {
            throw new IllegalArgumentException("Need warmup >= 0 and runs >= 1, got " + warmup + " and " + runs + ".");
        }
        try (TrainingSession session = SessionFactory.create(config, scratch)) {
            ComputeDevice device = session.device();
            int done = 0;
            for (int i = 0; i < warmup; i++) {
                iterate(session, ++done);
                progress.accept(done);
            }
            FlopCounter.start();
            try {
                iterate(session, ++done);
            } finally {
                long flops = FlopCounter.stop();
                progress.accept(done);
                double[] seconds = new double[runs];
                ThreadSampler.Shares shares;
                try (ThreadSampler sampler = new ThreadSampler(Thread.currentThread(), SAMPLE_MILLIS)) {
                    for (int i = 0; i < runs; i++) {
                        long start = System.nanoTime();
                        sampler.resume();
                        iterate(session, ++done);
                        if (device.isCuda()) {
                            torch.cuda_synchronize(device.index());
                        }
                        sampler.pause();
                        seconds[i] = (System.nanoTime() - start) / 1e9;
                        progress.accept(done);
                    }
                    shares = sampler.shares();
                }
                return new Result(device.toString(), Engine.threads(), warmup, Timing.median(seconds), seconds,
                        session.config().training().imagesPerIteration(),
                        session.config().training().discriminatorImagesPerIteration(), flops,
                        NativeMemory.peakResidentBytes(), shares.javaShare(),
                        shares.libtorchShare(), shares.waitingShare(), shares.total(), largestFirst(shares.sites()));
            }
        }
    }

    private static void iterate(TrainingSession session, long iteration) {
        NativeMemory.scoped(() -> session.step().run(iteration));
    }

    private static LinkedHashMap<String, Long> largestFirst(Map<String, Long> counts) {
        LinkedHashMap<String, Long> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** The configuration's total iterations must not end the benchmark early (schedules read it). */
    public static TrainConfig check(TrainConfig config, int warmup, int runs) {
        long needed = warmup + 1L + runs;
        if (config.training().iterations() < needed) {
            throw new IllegalArgumentException("training.iterations=" + config.training().iterations()
                    + " is fewer than the " + needed + " iterations the benchmark runs: raise it or lower --runs.");
        }
        return config;
    }
}
