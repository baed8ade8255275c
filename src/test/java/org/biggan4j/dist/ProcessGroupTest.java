package org.biggan4j.dist;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * c10d on loopback: two ranks, each a JVM started with the launcher's variables, meet through
 * rank 0's TCPStore (and a lone rank gives up in time).
 */
class ProcessGroupTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Runs {@link RankMain} as every rank of a world of {@code size}, each in its own JVM with the
     * launcher's variables, on loopback; returns each rank's output lines.
     */
    private static List<List<String>> onRanks(int size, String job, Path dir) throws Exception {
        int port = freePort();
        List<Process> processes = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int r = 0; r < size; r++) {
            Path out = dir.resolve("rank" + r + ".txt");
            outputs.add(out);
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    RankMain.class.getName(), out.toString(), "60", job);
            pb.environment().putAll(Map.of("RANK", "" + r, "WORLD_SIZE", "" + size, "MASTER_ADDR", "127.0.0.1",
                    "MASTER_PORT", "" + port, "OMP_NUM_THREADS", "1"));
            pb.redirectErrorStream(true).redirectOutput(dir.resolve("rank" + r + ".log").toFile());
            processes.add(pb.start());
        }
        List<List<String>> results = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            Process p = processes.get(r);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                processes.forEach(Process::destroyForcibly);
                throw new AssertionError("rank " + r + " did not finish within 120 s");
            }
            assertEquals(0, p.exitValue(), "rank " + r + " failed: " + Files.readString(dir.resolve("rank" + r + ".log")));
            results.add(Files.readAllLines(outputs.get(r)));
        }
        return results;
    }

    @Test
    void allReduceAveragesAndBroadcastCopiesRankZerosValues(@TempDir Path dir) throws Exception {
        for (List<String> rank : onRanks(2, "collectives", dir)) {
            assertEquals(List.of("[0.5, 5.0, 1.0]", "[1.5, 2.5, 3.5, 4.5]", "[0.0, 0.0, 0.0]"), rank,
                    "means, and rank 0's values broadcast");
        }
    }

    @Test
    void dataParallelStartsFromRankZerosStateAndAveragesTheGradientsOfAnUpdatesMicroBatches(@TempDir Path dir) throws Exception {
        List<List<String>> results = onRanks(2, "data-parallel", dir);
        assertEquals(results.get(0).get(0), results.get(1).get(0), "both ranks hold rank 0's weights");
        for (List<String> rank : results) {
            assertEquals("[3.0, 3.0, 3.0, 3.0, 3.0, 3.0]", rank.get(1), "mean over ranks of 2 x (rank + 1)");
            assertEquals("[2.0, 2.0]", rank.get(2), "a parameter a rank leaves unused counts as zeros there");
        }
    }

    @Test
    void aMissingRankFailsTheJoinWithinTheTimeoutNamingTheStore(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("rank0.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RankMain.class.getName(), dir.resolve("out").toString(),
                "3", "collectives");
        pb.environment().putAll(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1",
                "MASTER_PORT", "" + freePort()));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "a lone rank must give up");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 60, "gave up after " + seconds + " s");
        assertTrue(p.exitValue() != 0);
        String text = Files.readString(log);
        assertTrue(text.contains("Rank 0 could not open the rendezvous store"), text);
    }

    @Test
    void bucketsKeepOrderAndStayUnderTheLimit() {
        Tensor small = Tensors.zeros(ComputeDevice.CPU, torch.ScalarType.Float, 10);
        Tensor big = Tensors.zeros(ComputeDevice.CPU, torch.ScalarType.Float,
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
