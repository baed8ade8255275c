package org.biggan4j.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Where one thread spends its wall time, by sampling its stack every few milliseconds from a
 * daemon thread: in libtorch (the top frame is a native method of the JavaCPP presets), waiting
 * (any other native frame: parking on the data loader's queue, sleeping, I/O), or running Java
 * code (everything else: the JVM overhead of the training loop).
 *
 * <p>Hand-written because the JDK has no such counter and async profilers are native agents
 * this project does not ship. Stack samples of a thread in Java code are taken at safepoints,
 * which shifts where in the Java code a sample lands but not whether it lands in Java, so the
 * shares are unbiased to within the sampling error of sqrt(p (1 - p) / samples).
 */
public final class ThreadSampler implements AutoCloseable {

    /**
     * Sample counts; {@code sites} counts the libtorch samples by the innermost biggan4j method
     * on the stack (which layer's forward, or which step's backward, the time was spent under).
     */
    public record Shares(long libtorch, long waiting, long java, Map<String, Long> sites) {
        public Shares {
            sites = Map.copyOf(sites);
        }

        public long total() {
            return libtorch + waiting + java;
        }

        public double javaShare() {
            return total() == 0 ? Double.NaN : (double) java / total();
        }

        public double libtorchShare() {
            return total() == 0 ? Double.NaN : (double) libtorch / total();
        }

        public double waitingShare() {
            return total() == 0 ? Double.NaN : (double) waiting / total();
        }
    }

    private final Thread target;
    private final long intervalNanos;
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile boolean counting;
    private long libtorch;
    private long waiting;
    private long java;
    private final Map<String, Long> sites = new HashMap<>();

    /** Starts sampling {@code target} every {@code intervalMillis} (counting only between {@link #resume} and {@link #pause}). */
    public ThreadSampler(Thread target, double intervalMillis) {
        this.target = target;
        this.intervalNanos = (long) (intervalMillis * 1e6);
        this.sampler = new Thread(this::loop, "biggan4j-thread-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void loop() {
        while (running) {
            if (counting) {
                classify(target.getStackTrace());
            }
            LockSupport.parkNanos(intervalNanos);
        }
    }

    private synchronized void classify(StackTraceElement[] stack) {
        if (stack.length == 0) {
            return;
        }
        StackTraceElement top = stack[0];
        if (top.isNativeMethod()) {
            if (top.getClassName().startsWith("org.bytedeco.")) {
                libtorch++;
                for (StackTraceElement frame : stack) {
                    String cls = frame.getClassName();
                    if (cls.startsWith("org.biggan4j.") && !cls.startsWith("org.biggan4j.tensor.")) {
                        sites.merge(cls.substring(cls.lastIndexOf('.') + 1) + "." + frame.getMethodName(), 1L,
                                Long::sum);
                        break;
                    }
                }
            } else {
                waiting++;
            }
        } else {
            java++;
        }
    }

    /** Counts samples from now on. */
    public void resume() {
        counting = true;
    }

    /** Stops counting (sampling pauses too). */
    public void pause() {
        counting = false;
    }

    /** The counts so far. */
    public synchronized Shares shares() {
        return new Shares(libtorch, waiting, java, sites);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
