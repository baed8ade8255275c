package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.dist.LocalLauncher;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training end to end: ranks are separate JVMs started with the variables an
 * external launcher sets, meeting over loopback through c10d (Gloo), as in production.
 */
class TrainDistributedTest {

    /**
     * A small conditional BigGAN with BatchNorm in G, a checkpoint after every iteration. Plain
     * SGD, so that weights after a step show the gradients themselves. Its rate, 0.005, keeps the
     * largest updates (G's output layer, whose gradients sum over 8 x 32 x 32 pixels and reach
     * about 50) near 0.25, where the float32 rounding of those sums, which differs by about 1e-5
     * relative between one batch of 8 and two of 4, stays below the 1e-5 asked. Adam's
     * first step is lr * g / (|g| + eps), close to lr * sign(g), which turns the float rounding
     * noise of gradients that are zero in exact arithmetic (G's conv biases before BatchNorm,
     * whose mean BN removes) into updates of up to lr, in a lone process as much as in two.
     */
    private static List<String> tiny(int iterations, String... more) {
        List<String> args = new ArrayList<>(List.of("--preset", "fmnist-demo", "--threads", "1",
                "--set", "optimizer.generator.kind=sgd", "--set", "optimizer.generator.lr=0.005",
                "--set", "optimizer.discriminator.kind=sgd", "--set", "optimizer.discriminator.lr=0.005",
                "--set", "training.iterations=" + iterations, "--set", "training.batch_size=8",
                "--set", "training.ema_decay=0.9", "--set", "training.ema_start=0",
                "--set", "output.checkpoint_every=1", "--set", "output.sample_every=1000",
                "--set", "output.eval_every=0", "--set", "health.spectra_every=0", "--set", "health.on_collapse=off"));
        for (String m : more) {
            args.addAll(List.of("--set", m));
        }
        return args;
    }

    /** Starts rank {@code rank} of {@code size} running {@code train --out out args}, its output to a log file. */
    private static Process rank(int rank, int size, int port, Path out, List<String> args, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-cp", System.getProperty("java.class.path"), Biggan4j.class.getName(), "train",
                "--out", out.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(Map.of("RANK", "" + rank, "WORLD_SIZE", "" + size, "MASTER_ADDR", "127.0.0.1",
                "MASTER_PORT", "" + port, "OMP_NUM_THREADS", "1"));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Runs a whole job of {@code size} ranks to completion; fails with the logs if any rank fails. */
    private static void job(int size, Path out, List<String> args) throws Exception {
        int port = LocalLauncher.freePort();
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            ranks.add(rank(r, size, port, out, args, out.resolveSibling(out.getFileName() + "-rank" + r + ".log")));
        }
        for (int r = 0; r < size; r++) {
            Process p = ranks.get(r);
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                ranks.forEach(Process::destroyForcibly);
                throw new AssertionError("rank " + r + " did not finish within 180 s");
            }
            assertEquals(0, p.exitValue(), "rank " + r + " failed: "
                    + Files.readString(out.resolveSibling(out.getFileName() + "-rank" + r + ".log")));
        }
    }

    /** Something that can be checked about a running job. */
    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Rank 0 and rank 1 of a 2-rank job running {@code train --out dir/run args}, logging to dir/rankN.log. */
    private record Pair(Process leader, Process worker, Path run, Path leaderLog, Path workerLog)
            implements AutoCloseable {

        static Pair start(Path dir, List<String> args) throws Exception {
            int port = LocalLauncher.freePort();
            Path run = dir.resolve("run");
            Path leaderLog = dir.resolve("rank0.log");
            Path workerLog = dir.resolve("rank1.log");
            return new Pair(rank(0, 2, port, run, args, leaderLog), rank(1, 2, port, run, args, workerLog), run,
                    leaderLog, workerLog);
        }

        /** Waits (at most 120 s) until {@code reached} holds while both ranks run. */
        void await(long iteration, Condition reached) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!reached.holds()) {
                assertTrue(System.nanoTime() < deadline && leader.isAlive() && worker.isAlive(),
                        "the job did not reach iteration " + iteration + ": " + Files.readString(leaderLog));
                Thread.sleep(100);
            }
        }

        @Override
        public void close() {
            leader.destroyForcibly();
            worker.destroyForcibly();
        }
    }

    private static Path checkpoint(Path run, long iteration) {
        return run.resolve("checkpoints").resolve(String.format("ckpt-%09d.b4j", iteration));
    }

    /** The largest absolute difference between the weights and buffers of two checkpoints' G, D and G_ema. */
    private static double maxDifference(Path a, Path b) {
        return NativeMemory.scoped(() -> {
            CheckpointData x = CheckpointFile.read(a, ComputeDevice.CPU);
            CheckpointData y = CheckpointFile.read(b, ComputeDevice.CPU);
            double max = 0;
            for (String group : List.of("generator", "discriminator", "generator_ema")) {
                Map<String, Tensor> gx = x.group(group, a.toString());
                Map<String, Tensor> gy = y.group(group, b.toString());
                assertEquals(gx.keySet(), gy.keySet());
                for (String k : gx.keySet()) {
                    if (k.endsWith("num_batches")) {
                        continue; // counts forwards, which a replica makes as many of as a lone process
                    }
                    max = Math.max(max, gx.get(k).sub(gy.get(k)).abs().max().item_double());
                }
            }
            return max;
        });
    }

    @Test
    void twoRanksOfBatchBStepLikeOneProcessOfBatch2BWithCrossReplicaBatchNorm(@TempDir Path dir) throws Exception {
        List<String> alone = new ArrayList<>(List.of("train", "--out", dir.resolve("alone").toString()));
        alone.addAll(tiny(1));
        Cli.Run run = Cli.run(alone.toArray(new String[0]));
        assertEquals(0, run.code(), run.err());

        job(2, dir.resolve("synced"), tiny(1));
        job(2, dir.resolve("local-bn"), tiny(1, "distributed.cross_replica_bn=false"));

        double synced = maxDifference(checkpoint(dir.resolve("alone"), 1), checkpoint(dir.resolve("synced"), 1));
        double local = maxDifference(checkpoint(dir.resolve("alone"), 1), checkpoint(dir.resolve("local-bn"), 1));
        assertTrue(synced < 1e-5, "2 ranks x 4 vs 1 x 8 with cross-replica BN: max difference " + synced);
        assertTrue(local > 1e-4, "per-rank BatchNorm moments must change the step measurably: " + local);

        // The 2-rank checkpoint resumes on one process, where the lone run also continues: the
        // loader stands at the same global place, and the weights stay together.
        List<String> resume = new ArrayList<>(List.of("train", "--resume", "--out", dir.resolve("synced").toString(),
                "--threads", "1", "--set", "training.iterations=2"));
        Cli.Run resumed = Cli.run(resume.toArray(new String[0]));
        assertEquals(0, resumed.code(), resumed.err());
        Cli.Run continued = Cli.run("train", "--resume", "--out", dir.resolve("alone").toString(), "--threads", "1",
                "--set", "training.iterations=2");
        assertEquals(0, continued.code(), continued.err());
        assertEquals(CheckpointFile.manifest(checkpoint(dir.resolve("alone"), 2)).path("state").path("loader"),
                CheckpointFile.manifest(checkpoint(dir.resolve("synced"), 2)).path("state").path("loader"));
        double after = maxDifference(checkpoint(dir.resolve("alone"), 2), checkpoint(dir.resolve("synced"), 2));
        assertTrue(after < 1e-4, "one more step on one process from the 2-rank checkpoint: max difference " + after);
    }

    @Test
    void perSampleNoiseIsDrawnPerReplicaSoRegularisedStepsStillMatchOneProcessOfTheGlobalBatch(@TempDir Path dir)
            throws Exception {
        // WGAN-GP's interpolation weights and instance noise are drawn per sample: each replica
        // must perturb its share of the batch as a lone process perturbs those rows, not repeat
        // the other replica's draw (which the shared per-iteration seed would otherwise give).
        String[] noisy = {"regularizers.gradient_penalty=1", "regularizers.instance_noise=0.1",
            "regularizers.instance_noise_iterations=100"};
        List<String> alone = new ArrayList<>(List.of("train", "--out", dir.resolve("alone").toString()));
        alone.addAll(tiny(1, noisy));
        Cli.Run run = Cli.run(alone.toArray(new String[0]));
        assertEquals(0, run.code(), run.err());
        job(2, dir.resolve("synced"), tiny(1, noisy));

        // Measured (seeds 0 to 2): 2e-4 to 5e-4, largest in D's spectral-norm estimates, the
        // penalty's double backward amplifying float rounding beyond the 1e-5 of a plain step.
        // Drawing only each replica's own rows instead (both then repeat one draw, and their
        // generators fall out of step with the lone run's) gives 5e-2 to 1e-1.
        double difference = maxDifference(checkpoint(dir.resolve("alone"), 1), checkpoint(dir.resolve("synced"), 1));
        assertTrue(difference < 1e-3, "2 ranks x 4 vs 1 x 8 with GP and instance noise: max difference " + difference);
    }

    @Test
    void whenAWorkerIsKilledTheOtherStopsWithinTheTimeoutNamingItAndTheCheckpointsStayIntact(@TempDir Path dir)
            throws Exception {
        try (Pair job = Pair.start(dir, tiny(10_000, "distributed.timeout_s=30", "output.checkpoint_every=2"))) {
            Path run = job.run();
            job.await(4, () -> Files.exists(checkpoint(run, 4)));
            job.worker().destroyForcibly(); // SIGKILL: no goodbye to the others
            long killed = System.nanoTime();
            assertTrue(job.leader().waitFor(45, TimeUnit.SECONDS), "rank 0 still runs 45 s after rank 1 was killed");
            double seconds = (System.nanoTime() - killed) / 1e9;
            String log = Files.readString(job.leaderLog());
            assertEquals(1, job.leader().exitValue(), log);
            assertTrue(seconds < 30 + 10, "rank 0 took " + seconds + " s to stop");
            String error = log.substring(log.lastIndexOf("error: "));
            assertTrue(error.contains("rank 1 stopped"), error);
            try (var files = Files.list(run.resolve("checkpoints"))) {
                List<Path> all = files.toList();
                assertTrue(all.stream().allMatch(p -> p.getFileName().toString().endsWith(".b4j")),
                        "no half-written checkpoint: " + all);
                for (Path ckpt : all) {
                    NativeMemory.scoped(() -> CheckpointFile.read(ckpt, ComputeDevice.CPU).iteration());
                }
            }
        }
    }

    @Test
    void aGlobalBatchThatDoesNotDivideAmongTheProcessesIsRefusedBeforeAnyWorkerStarts(@TempDir Path dir) {
        Cli.Run run = Cli.run("train", "--preset", "fmnist-demo", "--out", dir.resolve("run").toString(), "--nproc", "3");
        assertEquals(2, run.code(), run.err());
        assertEquals("error: training.batch_size=32 is the global batch and must divide evenly among --nproc 3 processes: "
                + "set it to a multiple of 3.", run.err().strip());
        assertTrue(Files.notExists(dir.resolve("run")), "nothing written");
    }

    @Test
    void ranksWithDifferentConfigurationsRefuseToTrainNamingTheKey(@TempDir Path dir) throws Exception {
        int port = LocalLauncher.freePort();
        Path run = dir.resolve("run");
        Process leader = rank(0, 2, port, run, tiny(2), dir.resolve("rank0.log"));
        Process worker = rank(1, 2, port, run, tiny(3), dir.resolve("rank1.log"));
        try {
            assertTrue(worker.waitFor(120, TimeUnit.SECONDS) && leader.waitFor(60, TimeUnit.SECONDS));
            String log = Files.readString(dir.resolve("rank1.log"));
            assertEquals(2, worker.exitValue(), log);
            assertTrue(log.contains("error: Rank 1's configuration differs from rank 0's at training.iterations (3 here, 2 "
                    + "on rank 0)"), log);
            assertTrue(leader.exitValue() != 0, "rank 0 does not train alone");
            assertTrue(Files.notExists(run.resolve("checkpoints")), "nothing trained");
        } finally {
            leader.destroyForcibly();
            worker.destroyForcibly();
        }
    }

    @Test
    void aRendezvousPortInUseIsNamed(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Process leader = rank(0, 2, taken.getLocalPort(), dir.resolve("run"), tiny(1, "distributed.timeout_s=10"),
                    dir.resolve("rank0.log"));
            assertTrue(leader.waitFor(60, TimeUnit.SECONDS));
            String log = Files.readString(dir.resolve("rank0.log"));
            assertEquals(1, leader.exitValue(), log);
            assertTrue(log.contains("error: Rank 0 could not open the rendezvous store on port " + taken.getLocalPort()
                    + " (in use? choose another MASTER_PORT)"), log);
        }
    }

    @Test
    void aStopSignalToOneRankStopsEveryRankAfterTheSameIterationWithRankZerosCheckpoint(@TempDir Path dir)
            throws Exception {
        try (Pair job = Pair.start(dir, tiny(10_000, "output.checkpoint_every=1000", "output.log_every=1"))) {
            Path metrics = job.run().resolve("metrics.jsonl");
            job.await(3, () -> Files.exists(metrics) && Files.readAllLines(metrics).size() >= 3);
            job.worker().destroy(); // SIGTERM to rank 1 alone, as a scheduler preempting one task would
            assertTrue(job.leader().waitFor(60, TimeUnit.SECONDS) && job.worker().waitFor(60, TimeUnit.SECONDS),
                    "both ranks stop");
            String log = Files.readString(job.leaderLog());
            assertEquals(0, job.leader().exitValue(), log);
            Matcher m = Pattern.compile("Stopped at iteration (\\d+)").matcher(log);
            assertTrue(m.find(), log);
            long stopped = Long.parseLong(m.group(1));
            assertTrue(Files.exists(checkpoint(job.run(), stopped)), "rank 0's final checkpoint at " + stopped);
            assertEquals(stopped, Files.readAllLines(metrics).size(), "rank 0 logged every iteration up to the stop");
            String workerLog = Files.readString(job.workerLog());
            assertFalse(workerLog.contains("error"), workerLog);
        }
    }
}
