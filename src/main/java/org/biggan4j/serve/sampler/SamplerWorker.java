package org.biggan4j.serve.sampler;

import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * One thread that runs the sampler's requests one at a time, in arrival order: generating is
 * compute-bound, and libtorch's native-memory scopes and the cached generators belong to one
 * thread. Each request belongs to a client (a page): a client's new request cancels its previous
 * one, queued or running, and {@link #cancel} cancels a client's request when its page goes away.
 * A cancelled request that has not started never starts; a running one stops at its next check
 * (between generator batches). At most {@link #MAX_WAITING} requests wait; more are refused.
 */
final class SamplerWorker implements AutoCloseable {

    /** Requests that may wait or run at once, over all clients; the sampler is for a few people. */
    static final int MAX_WAITING = 8;

    /** The worker is busy with as many requests as it queues. */
    static final class BusyException extends RuntimeException {
        BusyException() {
            super("The sampler is busy with " + MAX_WAITING + " requests; try again in a moment.");
        }
    }

    private static final class Job {
        final AtomicBoolean cancelled = new AtomicBoolean();
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "biggan4j-sampler");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Job> current = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();

    /**
     * Queues {@code work} for {@code client}, cancelling the client's previous request. The work
     * is given a flag to check between its steps; when it says true, throw
     * {@link CancellationException}. The future fails with CancellationException when the request
     * was cancelled, with {@link BusyException} when too many wait.
     */
    <T> CompletableFuture<T> submit(String client, Function<BooleanSupplier, T> work) {
        Job job = new Job();
        Job previous = current.put(client, job);
        if (previous != null) {
            previous.cancelled.set(true);
        }
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            current.remove(client, job);
            return CompletableFuture.failedFuture(new BusyException());
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    if (job.cancelled.get()) {
                        throw new CancellationException("Superseded before it started.");
                    }
                    return work.apply(job.cancelled::get);
                } finally {
                    waiting.decrementAndGet();
                    current.remove(client, job);
                }
            }, thread);
        } catch (RejectedExecutionException e) {
            waiting.decrementAndGet();
            current.remove(client, job);
            return CompletableFuture.failedFuture(new CancellationException("The sampler has stopped."));
        }
    }

    /** Cancels the client's request, if it has one. */
    void cancel(String client) {
        Job job = current.remove(client);
        if (job != null) {
            job.cancelled.set(true);
        }
    }

    /** Runs {@code work} on the worker thread after what is queued, and waits for it (for cleanup). */
    void runAndWait(Runnable work) {
        try {
            thread.submit(work).get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            // Nothing more to do at shutdown than what the work could do.
        }
    }

    /** Cancels everything and stops the thread after the running request's next check. */
    @Override
    public void close() {
        current.values().forEach(j -> j.cancelled.set(true));
        thread.shutdown();
    }
}
