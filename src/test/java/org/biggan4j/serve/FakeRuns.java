package org.biggan4j.serve;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Run folders written the way a training run writes them (config.yaml, metrics.jsonl with the
 * step's keys, spectra.jsonl, health.jsonl, samples/iter-N.png), for tests that need a run in a
 * given state without training one, and a background "trainer" that keeps appending.
 */
final class FakeRuns {

    private FakeRuns() {
    }

    /** A run folder with config.yaml ({@code iterations}, log_every 10) and nothing else yet. */
    static Path create(Path dir, long iterations, String dataPath) throws Exception {
        Files.createDirectories(dir.resolve("samples"));
        Files.writeString(dir.resolve("config.yaml"), "---\nmodel:\n  architecture: \"BIGGAN\"\n  resolution: 32\n"
                + "training:\n  iterations: " + iterations + "\n  batch_size: 32\noutput:\n  log_every: 10\n"
                + "data:\n  path: \"" + dataPath + "\"\n");
        return dir;
    }

    /** A metrics record as MetricsLogger writes it, values depending smoothly on the iteration. */
    static String metricsLine(long it, boolean withQuality) {
        double t = it / 100.0;
        String line = String.format(Locale.ROOT, "{\"iteration\":%d,\"lr_d\":2.0E-4,\"lr_g\":%s,\"d_loss\":%.5f,"
                        + "\"d_loss_fake\":%.5f,\"d_loss_real\":%.5f,\"d_real\":%.5f,\"d_fake\":%.5f,"
                        + "\"grad_norm_d\":%.5f,\"g_loss\":%.5f,\"d_penalty_r1\":%.5f,\"grad_norm_g\":%.5f,"
                        + "\"seconds\":0.05,\"images_per_sec\":640.0", it, it > 500 ? "1.0E-4" : "2.0E-4",
                1.5 + Math.sin(t), 0.7 + 0.2 * Math.cos(t), 0.8, 1 + 0.3 * Math.sin(t), -1 - 0.2 * Math.cos(t),
                50 + 10 * Math.sin(3 * t), 0.5 + Math.cos(t), 0.1 / (1 + t), 20 + 5 * Math.cos(2 * t));
        if (withQuality) {
            line += String.format(Locale.ROOT, ",\"fid\":%.3f,\"class_accuracy\":%.3f,\"eval_seconds\":3.0",
                    300 / (1 + t), Math.min(0.95, 0.1 + 0.08 * t));
        }
        return line + "}\n";
    }

    /** A spectra record with a few layers of G (the first one growing) and of D. */
    static String spectraLine(long it, String extraLayer) {
        double t = it / 100.0;
        return String.format(Locale.ROOT, "{\"iteration\":%d,\"layers\":{\"G.linear.weight\":[%.4f,1.0,0.9,5.0],"
                        + "\"G.blocks.0.conv1.weight\":[%.4f,1.0,0.9,5.0],\"G.output.weight\":[%.4f,1.0,0.9,5.0],"
                        + "\"D.blocks.0.conv1.weight\":[%.4f,1.0,0.9,5.0],\"D.linear.weight\":[%.4f,1.0,0.9,5.0]%s}}\n",
                it, 1.2 + 0.4 * t * t, 1.1 + 0.05 * t, 1.05, 1.3 + 0.1 * Math.sin(t), 1.4,
                extraLayer == null ? "" : ",\"" + extraLayer + "\":[1.5,1.0,0.9,5.0]");
    }

    /** Writes records for iterations {@code from..to} (every 10th), spectra and a sheet every 100th. */
    static void write(Path run, long from, long to) throws Exception {
        StringBuilder metrics = new StringBuilder();
        StringBuilder spectra = new StringBuilder();
        for (long it = from; it <= to; it++) {
            if (it % 10 == 0) {
                metrics.append(metricsLine(it, it % 100 == 0));
            }
            if (it % 100 == 0) {
                spectra.append(spectraLine(it, null));
                sheet(run.resolve("samples").resolve(String.format("iter-%09d.png", it)), it);
            }
        }
        append(run.resolve("metrics.jsonl"), metrics.toString());
        append(run.resolve("spectra.jsonl"), spectra.toString());
    }

    /** Dates every file and folder of {@code run} back by {@code age}, as if nothing had written there since. */
    static void age(Path run, Duration age) throws Exception {
        FileTime then = FileTime.from(Instant.now().minus(age));
        try (Stream<Path> all = Files.walk(run)) {
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, then);
            }
        }
    }

    /** An empty file in the place of a checkpoint: the runs page reads only the names of checkpoints. */
    static void checkpoint(Path run, long iteration) throws Exception {
        Files.createDirectories(run.resolve("checkpoints"));
        Files.writeString(run.resolve("checkpoints").resolve(String.format("ckpt-%09d.b4j", iteration)), "");
    }

    static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A small grid image standing in for a sample sheet. */
    static void sheet(Path file, long iteration) throws Exception {
        BufferedImage image = new BufferedImage(160, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 5; c++) {
                g.setColor(Color.getHSBColor((r * 5 + c + iteration / 100f) / 15f % 1f, 0.5f, 0.8f));
                g.fillRect(c * 32 + 1, r * 32 + 1, 30, 30);
            }
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    /**
     * A run that keeps training in the background: 10 iterations (one metrics record) every
     * {@code periodMillis}, a spectra record and a sheet every 100. Close to stop it.
     */
    static final class Trainer implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong iteration;
        private final Thread thread;

        Trainer(Path run, long startAt, long periodMillis) {
            iteration = new AtomicLong(startAt);
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        long from = iteration.get() + 1;
                        long to = iteration.addAndGet(10);
                        write(run, from, to);
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "fake-trainer");
            thread.setDaemon(true);
            thread.start();
        }

        long iteration() {
            return iteration.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join(5000);
        }
    }
}
