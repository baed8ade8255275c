package org.biggan4j.bench;

import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadSamplerTest {

    /** Runs {@code work} on this thread for about {@code millis} while sampling it. */
    private static ThreadSampler.Shares sample(long millis, Runnable work) {
        try (ThreadSampler sampler = new ThreadSampler(Thread.currentThread(), 1)) {
            sampler.resume();
            long until = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < until) {
                work.run();
            }
            sampler.pause();
            return sampler.shares();
        }
    }

    @Test
    void javaWorkLibtorchCallsAndWaitingAreToldApart() {
        long[] sink = new long[1];
        ThreadSampler.Shares java = sample(400, () -> {
            for (int i = 0; i < 100_000; i++) {
                sink[0] += i * 31L ^ sink[0];
            }
        });
        assertTrue(java.total() > 50, "samples: " + java);
        assertTrue(java.javaShare() > 0.8, "a Java loop is Java: " + java);

        var a = torch.randn(new long[] {512, 512});
        ThreadSampler.Shares lib = sample(400, () -> NativeMemory.scoped(() -> {
            for (int i = 0; i < 4; i++) {
                torch.mm(a, a);
            }
        }));
        assertTrue(lib.libtorchShare() > 0.8, "matrix products are libtorch: " + lib);
        assertEquals(lib.libtorch(), lib.sites().values().stream().mapToLong(Long::longValue).sum(),
                "every libtorch sample is attributed to its caller: " + lib.sites());
        assertTrue(lib.sites().keySet().stream().allMatch(k -> k.startsWith("ThreadSamplerTest.")), lib.sites().toString());

        ThreadSampler.Shares parked = sample(300, () -> LockSupport.parkNanos(5_000_000));
        assertTrue(parked.waitingShare() > 0.8, "parking is waiting: " + parked);
        assertEquals(parked.total(), parked.libtorch() + parked.waiting() + parked.java());
    }

    @Test
    void nothingIsCountedWhilePaused() throws InterruptedException {
        try (ThreadSampler sampler = new ThreadSampler(Thread.currentThread(), 1)) {
            Thread.sleep(50);
            assertEquals(0, sampler.shares().total());
        }
    }
}
