package org.biggan4j.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets SIGINT/SIGTERM stop training cleanly: the JVM's shutdown hook requests a stop and waits
 * until the loop has finished its current step and the listeners have written the final
 * checkpoint, so an interrupted run always resumes from where it stopped.
 */
public final class StopSignal {

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private Thread hook;

    /** Whether a stop was requested. */
    public boolean requested() {
        return requested.get();
    }

    /** Requests a stop (from a signal handler, a test, or a listener). */
    public void request() {
        requested.set(true);
    }

    /** Installs a shutdown hook that requests a stop and waits up to {@code graceSeconds} for the loop. */
    public StopSignal installShutdownHook(long graceSeconds) {
        hook = new Thread(() -> {
            request();
            try {
                finished.await(graceSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "biggan4j-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return this;
    }

    /** Called by the loop when it has stopped and everything is written. */
    public void markFinished() {
        finished.countDown();
        if (hook != null && !requested()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the JVM is exiting: the hook is running or about to, and will see the latch
            }
        }
    }
}
