package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointIntegrityTest;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} during training, at seeded random moments (during a step, during a checkpoint
 * write), then {@code --resume}, several times: the run ends bit-identical to one that was never
 * interrupted, and leaves no temporary file behind (issue 19). Each run is a real {@code train}
 * process of a small conditional BigGAN at 32 px.
 */
class TrainCrashResumeTest {

    private static final int ITERATIONS = 14;
    private static final int KILLS = 4;

    /**
     * A small conditional BigGAN (fmnist-demo at ch 4), Adam (so moments and step counts must
     * survive), G_ema from the start, a checkpoint every 2 iterations, one thread (the same
     * arithmetic in every process).
     */
    private static List<String> tiny() {
        List<String> args = new ArrayList<>(List.of("--threads", "1"));
        for (String s : List.of("model.ch=4", "model.latent_dim=16", "training.batch_size=8",
                "training.iterations=" + ITERATIONS, "training.ema_decay=0.9", "training.ema_start=0",
                "output.checkpoint_every=2", "output.keep_last=2", "output.sample_every=100000", "output.eval_every=0",
                "output.log_every=1", "health.spectra_every=0", "health.on_collapse=off")) {
            args.addAll(List.of("--set", s));
        }
        return args;
    }

    private static Process start(Path run, boolean resume, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Biggan4j.class.getName(), "train",
                "--out", run.toString()));
        if (resume) {
            command.add("--resume");
        } else {
            command.addAll(List.of("--preset", "fmnist-demo"));
        }
        command.addAll(tiny());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb.start();
    }

    private static void finish(Process p, Path log) throws Exception {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("train did not finish within 120 s: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), Files.readString(log));
    }

    private static boolean isTemporary(Path p) {
        return p.getFileName().toString().endsWith(".tmp");
    }

    @Test
    void killedAtRandomMomentsAndResumedEndsBitIdenticalToAnUninterruptedRun(@TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        Path straight = dir.resolve("straight");
        finish(start(straight, false, dir.resolve("straight.log")), dir.resolve("straight.log"));
        double straightSeconds = (System.nanoTime() - started) / 1e9;

        Path run = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        Files.createDirectories(run.resolve("checkpoints"));
        Random random = new Random(19);
        int duringWrite = 0;
        int duringStep = 0;
        int temporariesLeft = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            boolean resume = !new CheckpointStore(run, 1, "").list().isEmpty();
            Process p = start(run, resume, log);
            boolean atWrite = kill % 2 == 0;
            try (WatchService watch = FileSystems.getDefault().newWatchService()) {
                run.resolve("checkpoints").register(watch, StandardWatchEventKinds.ENTRY_CREATE);
                if (atWrite) {
                    // The moment a checkpoint's temporary file appears: the save is under way.
                    // A random number of saves is let through first.
                    int skip = random.nextInt(2);
                    boolean killed = false;
                    while (!killed && p.isAlive()) {
                        var key = watch.poll(100, TimeUnit.MILLISECONDS);
                        if (key == null) {
                            continue;
                        }
                        for (var event : key.pollEvents()) {
                            if (event.context() instanceof Path name && isTemporary(name) && !killed) {
                                if (skip-- > 0) {
                                    continue;
                                }
                                p.destroyForcibly();
                                killed = true;
                            }
                        }
                        key.reset();
                    }
                    duringWrite++;
                } else {
                    // A random moment after the next checkpoint: somewhere in the following steps.
                    while (p.isAlive() && watch.poll(100, TimeUnit.MILLISECONDS) == null) {
                        Thread.onSpinWait();
                    }
                    Thread.sleep(50 + random.nextInt(400));
                    p.destroyForcibly();
                    duringStep++;
                }
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            if (p.exitValue() == 0) {
                break; // on a fast machine the run may reach its end before the last kill
            }
            try (Stream<Path> files = Files.list(run.resolve("checkpoints"))) {
                temporariesLeft += (int) files.filter(TrainCrashResumeTest::isTemporary).count();
            }
        }
        assertTrue(duringWrite + duringStep >= 3, "only " + (duringWrite + duringStep) + " kills: " + Files.readString(log));
        // Whether a kill caught a save under way depends on timing; these two always need removing.
        Files.writeString(run.resolve("checkpoints/.ckpt-000000099.b4j.5eed.tmp"), "partial");
        Files.writeString(run.resolve("checkpoints/.best.b4j.tmp"), "partial");
        finish(start(run, true, log), log);
        double seconds = (System.nanoTime() - started) / 1e9;

        String output = Files.readString(log);
        assertTrue(output.contains("temporary file(s) left by an interrupted save"), output);
        try (Stream<Path> files = Files.walk(run)) {
            List<Path> left = files.filter(TrainCrashResumeTest::isTemporary).toList();
            assertEquals(List.of(), left, "temporary files remain");
        }
        Path a = new CheckpointStore(straight, 1, "").latest().orElseThrow();
        Path b = new CheckpointStore(run, 1, "").latest().orElseThrow();
        assertEquals(ITERATIONS, CheckpointStore.iterationOf(a));
        assertEquals(ITERATIONS, CheckpointStore.iterationOf(b));
        assertIdentical(a, b);
        System.out.printf("crash-resume: %d kills during a checkpoint write (%d temporary files left, then removed), "
                        + "%d during steps; uninterrupted run %.1f s, whole test %.1f s%n", duringWrite, temporariesLeft,
                duringStep, straightSeconds, seconds);
    }

    /**
     * The plain stop: half the iterations, the process ends, {@code train --resume} runs the rest;
     * with gradient accumulation 2 (two micro-batches per update, so the loader position and the
     * per-iteration noise must account for both). In-process, as the CLI tests call it.
     */
    @Test
    void stoppedHalfwayAndResumedWithAccumulationEndsBitIdenticalToOneRun(@TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        Path straight = dir.resolve("straight");
        Path split = dir.resolve("split");
        List<String> accumulate = List.of("--set", "training.accumulation=2", "--set", "training.batch_size=4");
        for (Path run : List.of(straight, split)) {
            List<String> args = new ArrayList<>(List.of("train", "--preset", "fmnist-demo", "--out", run.toString()));
            args.addAll(tiny());
            args.addAll(accumulate);
            args.addAll(List.of("--set", "training.iterations=" + (run == straight ? 4 : 2)));
            Cli.Run trained = Cli.run(args.toArray(new String[0]));
            assertEquals(0, trained.code(), trained.err());
        }
        List<String> resume = new ArrayList<>(List.of("train", "--out", split.toString(), "--resume", "--threads", "1",
                "--set", "training.iterations=4"));
        Cli.Run resumed = Cli.run(resume.toArray(new String[0]));
        assertEquals(0, resumed.code(), resumed.err());
        Path a = new CheckpointStore(straight, 1, "").latest().orElseThrow();
        Path b = new CheckpointStore(split, 1, "").latest().orElseThrow();
        assertEquals(4, CheckpointStore.iterationOf(a));
        assertEquals(4, CheckpointStore.iterationOf(b));
        String config = Files.readString(split.resolve("config.yaml"));
        assertTrue(config.contains("accumulation: 2"), "the resumed run kept accumulation 2: " + config);
        assertIdentical(a, b);
        System.out.printf("stop-resume with accumulation 2: %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedWithItsReasonAndTheRunResumesFromThePreviousOne(@TempDir Path dir)
            throws Exception {
        Path run = dir.resolve("run");
        List<String> first = new ArrayList<>(List.of("train", "--preset", "fmnist-demo", "--out", run.toString()));
        first.addAll(tiny());
        first.addAll(List.of("--set", "training.iterations=4"));
        Cli.Run trained = Cli.run(first.toArray(new String[0]));
        assertEquals(0, trained.code(), trained.err());
        CheckpointStore store = new CheckpointStore(run, 1, "");
        // Disk damage inside G_ema's weights; the zip and the manifest are intact.
        CheckpointIntegrityTest.rewrite(store.pathFor(4), "tensors/generator_ema.safetensors",
                CheckpointIntegrityTest::flipDataBit);

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        Cli.Run resumed;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            resumed = Cli.run("train", "--out", run.toString(), "--resume", "--threads", "1",
                    "--set", "training.iterations=5");
        } finally {
            System.setErr(err);
        }
        String said = log.toString(StandardCharsets.UTF_8);
        assertEquals(0, resumed.code(), resumed.err() + said);
        assertTrue(said.contains("Skipping checkpoint ckpt-000000004.b4j") && said.contains("SHA-256")
                && said.contains("tensors/generator_ema.safetensors"), said);
        assertTrue(said.contains("Resumed from " + store.pathFor(2) + " at iteration 2"), said);
        // Iterations 3 to 5 were trained again; the damaged file was replaced by a good one.
        assertEquals(5, CheckpointFile.manifest(store.pathFor(5)).path("iteration").asLong());
        CheckpointFile.verify(store.pathFor(4));
    }

    /** Every tensor of every group (G, D, G_ema, both optimisers' moments and step counts) is equal, and so is the loader. */
    private static void assertIdentical(Path a, Path b) {
        NativeMemory.scoped(() -> {
            CheckpointData x = CheckpointFile.read(a, ComputeDevice.CPU);
            CheckpointData y = CheckpointFile.read(b, ComputeDevice.CPU);
            assertEquals(List.of("generator", "discriminator", "generator_ema", "optimizer_generator",
                    "optimizer_discriminator"), List.copyOf(x.tensorGroups().keySet()));
            assertEquals(x.tensorGroups().keySet(), y.tensorGroups().keySet());
            int compared = 0;
            for (var group : x.tensorGroups().entrySet()) {
                Map<String, Tensor> other = y.tensorGroups().get(group.getKey());
                assertEquals(group.getValue().keySet(), other.keySet(), group.getKey());
                for (var t : group.getValue().entrySet()) {
                    assertTrue(torch.equal(t.getValue(), other.get(t.getKey())),
                            group.getKey() + "." + t.getKey() + " differs from the uninterrupted run");
                    compared++;
                }
            }
            assertTrue(compared > 50, "compared only " + compared + " tensors");
            assertEquals(x.state().loader(), y.state().loader());
        });
    }
}
