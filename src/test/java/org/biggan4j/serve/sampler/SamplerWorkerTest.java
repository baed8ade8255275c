package org.biggan4j.serve.sampler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler's one worker: one request at a time, a page's new request or departure cancels its old one. */
class SamplerWorkerTest {

    /** Work that runs until it is cancelled, checking its flag as generation does between batches. */
    private static String untilCancelled(BooleanSupplier cancelled, CountDownLatch started) {
        started.countDown();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("cancelled");
            }
            Thread.onSpinWait();
        }
        return "ran to the end";
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aPagesNewRequestCancelsItsRunningAndQueuedOnes() throws Exception {
        try (SamplerWorker worker = new SamplerWorker()) {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<String> running = worker.submit("page", c -> untilCancelled(c, started));
            assertTrue(started.await(20, TimeUnit.SECONDS));
            CompletableFuture<String> other = worker.submit("other page", c -> "other");
            CompletableFuture<String> queued = worker.submit("page", c -> "queued");
            CompletableFuture<String> newest = worker.submit("page", c -> "newest");
            assertInstanceOf(CancellationException.class, failure(running));
            assertInstanceOf(CancellationException.class, failure(queued), "superseded before it started");
            assertEquals("other", other.get(20, TimeUnit.SECONDS), "another page's request is left alone");
            assertEquals("newest", newest.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void aPageThatGoesAwayCancelsItsRequest() throws Exception {
        try (SamplerWorker worker = new SamplerWorker()) {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<String> running = worker.submit("page", c -> untilCancelled(c, started));
            assertTrue(started.await(20, TimeUnit.SECONDS));
            worker.cancel("page");
            assertInstanceOf(CancellationException.class, failure(running));
            assertEquals("next", worker.submit("page", c -> "next").get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void requestsBeyondTheQueueAreRefused() throws Exception {
        try (SamplerWorker worker = new SamplerWorker()) {
            CountDownLatch release = new CountDownLatch(1);
            List<CompletableFuture<String>> waiting = new ArrayList<>();
            for (int i = 0; i < SamplerWorker.MAX_WAITING; i++) {
                waiting.add(worker.submit("page " + i, c -> {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "done";
                }));
            }
            CompletableFuture<String> refused = worker.submit("one more", c -> "never");
            assertInstanceOf(SamplerWorker.BusyException.class, failure(refused));
            release.countDown();
            for (CompletableFuture<String> f : waiting) {
                assertEquals("done", f.get(20, TimeUnit.SECONDS));
            }
        }
    }
}
