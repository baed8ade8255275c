package org.biggan4j.dist;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * c10d on loopback: two ranks (threads of this JVM, each with its own store client and Gloo
 * context, exactly as two processes would have) meet through rank 0's TCPStore.
 */
class ProcessGroupTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs {@code body} as every rank of a world of {@code size} on loopback; returns each rank's result. */
    private static <T> List<T> onRanks(int size, Function<ProcessGroup, T> body) throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                WorldSpec world = new WorldSpec(r, size, r, "127.0.0.1", port);
                futures.add(pool.submit(() -> {
                    try (ProcessGroup group = ProcessGroup.join(world, Duration.ofSeconds(60))) {
                        return body.apply(group);
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(120, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void allReduceAveragesAndBroadcastCopiesRankZerosValues() throws Exception {
        List<float[][]> results = onRanks(2, group -> {
            int r = group.world().rank();
            List<Tensor> tensors = List.of(Tensors.fromFloats(new float[] {r, 10 * r, 1}, ComputeDevice.CPU, 3),
                    Tensors.fromFloats(new float[] {r + 1, r + 2, r + 3, r + 4}, ComputeDevice.CPU, 2, 2));
            group.allReduceMean(tensors);
            float[] mean0 = Tensors.toFloats(tensors.get(0));
            float[] mean1 = Tensors.toFloats(tensors.get(1));
            Tensor own = Tensors.fromFloats(new float[] {r, r, r}, ComputeDevice.CPU, 3);
            group.broadcast(List.of(own), 0);
            return new float[][] {mean0, mean1, Tensors.toFloats(own)};
        });
        for (float[][] rank : results) {
            assertArrayEquals(new float[] {0.5f, 5f, 1f}, rank[0]);
            assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f, 4.5f}, rank[1]);
            assertArrayEquals(new float[] {0f, 0f, 0f}, rank[2], "rank 1 takes rank 0's values");
        }
    }

    @Test
    void aMissingRankFailsTheJoinWithinTheTimeoutNamingTheStore() throws Exception {
        WorldSpec lonely = new WorldSpec(0, 2, 0, "127.0.0.1", freePort());
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProcessGroup.join(lonely, Duration.ofSeconds(3)).close());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 30, "gave up after " + seconds + " s");
        assertTrue(e.getMessage().startsWith("Rank 0 could not open the rendezvous store"), e.getMessage());
    }

    @Test
    void bucketsKeepOrderAndStayUnderTheLimit() {
        Tensor small = Tensors.zeros(ComputeDevice.CPU, org.bytedeco.pytorch.global.torch.ScalarType.Float, 10);
        Tensor big = Tensors.zeros(ComputeDevice.CPU, org.bytedeco.pytorch.global.torch.ScalarType.Float,
                ProcessGroup.BUCKET_ELEMENTS);
        List<List<Tensor>> buckets = ProcessGroup.buckets(List.of(small, small, big, small));
        assertEquals(3, buckets.size());
        assertEquals(2, buckets.get(0).size());
        assertEquals(1, buckets.get(1).size());
        assertEquals(1, buckets.get(2).size());
    }

    @Test
    void theLaunchersVariablesAreReadAndCheckedByName() {
        assertEquals(WorldSpec.single(), WorldSpec.fromEnvironment(Map.of()));
        WorldSpec w = WorldSpec.fromEnvironment(Map.of("RANK", "3", "WORLD_SIZE", "4", "LOCAL_RANK", "1",
                "MASTER_ADDR", "node0", "MASTER_PORT", "29500"));
        assertEquals(new WorldSpec(3, 4, 1, "node0", 29500), w);
        assertEquals(2, WorldSpec.fromEnvironment(Map.of("RANK", "2", "WORLD_SIZE", "4", "MASTER_ADDR", "a",
                "MASTER_PORT", "1")).localRank());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> WorldSpec.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "a")));
        assertTrue(missing.getMessage().startsWith("MASTER_PORT is not set"), missing.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> WorldSpec.fromEnvironment(Map.of("RANK", "x", "WORLD_SIZE", "2", "MASTER_ADDR", "a",
                        "MASTER_PORT", "1")));
        assertTrue(bad.getMessage().startsWith("RANK must be an integer"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WorldSpec(2, 2, 0, "a", 1));
    }
}
