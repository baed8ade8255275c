package org.biggan4j.run;

import org.biggan4j.io.tensorboard.EventFiles;
import org.biggan4j.train.listener.MetricsLogger;
import org.biggan4j.train.listener.TensorBoardListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code output.tensorboard}: a short real run's event files, read back by the tests' own reader,
 * hold every metrics.jsonl record as scalars of the same steps and values, the sample sheets as
 * PNG images, and sigma_0 histograms of G and D; a resume writes a second file that starts with
 * SessionLog.START at the resumed iteration.
 */
class TensorBoardRunTest {

    @TempDir
    Path dir;

    @Test
    void aRunsEventFilesHoldItsMetricsSheetsAndSpectra() throws Exception {
        Path run = dir.resolve("run");
        TrainingRun.run(TrainingRun.Request.start("fmnist-demo", run, TinyRuns.tiny(2, "training.ema_start=1",
                "output.tensorboard=true", "output.log_every=1", "output.sample_every=1", "health.spectra_every=1")));
        List<Path> files = eventFiles(run);
        assertEquals(1, files.size(), files.toString());
        List<EventFiles.Event> events = EventFiles.read(files.get(0));
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        assertEquals(1L, events.get(1).sessionStatus(), "SessionLog.START");
        assertEquals(1, events.get(1).step());

        // Every scalar of every metrics record, at its iteration, as float32.
        Map<String, Float> scalars = new HashMap<>();
        for (EventFiles.Event e : events) {
            for (EventFiles.Value v : e.values()) {
                if (v.simpleValue() != null) {
                    scalars.put(e.step() + "/" + v.tag(), v.simpleValue());
                }
            }
        }
        List<Map<String, Object>> records = MetricsLogger.read(run);
        assertEquals(2, records.size());
        int compared = 0;
        for (Map<String, Object> record : records) {
            long it = ((Number) record.get("iteration")).longValue();
            for (var entry : record.entrySet()) {
                if (entry.getKey().equals("iteration") || !(entry.getValue() instanceof Number n)) {
                    continue;
                }
                Float written = scalars.get(it + "/" + entry.getKey());
                assertNotNull(written, "no scalar " + entry.getKey() + " at step " + it);
                assertEquals(n.floatValue(), written, entry.getKey() + " at step " + it);
                compared++;
            }
        }
        assertTrue(compared >= 10, "compared " + compared + " scalars");

        // Sheets at iterations 1 and 2 (sample_every 1; the end's sheet is iteration 2 again).
        List<Long> imageSteps = new ArrayList<>();
        for (EventFiles.Event e : events) {
            for (EventFiles.Value v : e.values()) {
                if (v.image() != null) {
                    assertEquals("samples", v.tag());
                    BufferedImage png = ImageIO.read(new ByteArrayInputStream(v.image().encoded()));
                    assertEquals(v.image().width(), png.getWidth());
                    assertEquals(v.image().height(), png.getHeight());
                    BufferedImage onDisk = ImageIO.read(run.resolve("samples")
                            .resolve(String.format("iter-%09d.png", e.step())).toFile());
                    assertEquals(onDisk.getRGB(7, 7), png.getRGB(7, 7));
                    imageSteps.add(e.step());
                }
            }
        }
        assertTrue(imageSteps.containsAll(List.of(1L, 2L)), imageSteps.toString());

        // A sigma_0 histogram per network and iteration, consistent with the per-layer scalars.
        int histograms = 0;
        for (EventFiles.Event e : events) {
            for (EventFiles.Value v : e.values()) {
                if (v.histogram() == null) {
                    continue;
                }
                histograms++;
                assertTrue(v.tag().equals("singular_values/G") || v.tag().equals("singular_values/D"), v.tag());
                String network = v.tag().substring(v.tag().length() - 1);
                List<Float> layers = scalars.entrySet().stream()
                        .filter(s -> s.getKey().startsWith(e.step() + "/sigma_0/" + network + "."))
                        .map(Map.Entry::getValue).toList();
                assertFalse(layers.isEmpty());
                EventFiles.Histogram h = v.histogram();
                assertEquals(layers.size(), h.num(), 0.0);
                assertEquals(layers.stream().min(Float::compare).orElseThrow(), (float) h.min());
                assertEquals(layers.stream().max(Float::compare).orElseThrow(), (float) h.max());
                assertEquals(h.num(), Arrays.stream(h.bucket()).sum(), 0.0);
                assertEquals(h.max(), h.bucketLimit()[h.bucketLimit().length - 1]);
                assertTrue(h.sum() > 0);
            }
        }
        assertEquals(4, histograms, "G and D at iterations 1 and 2");

        // A resume writes a new file that starts over at iteration 3.
        TrainingRun.run(TrainingRun.Request.resume(run, List.of("training.iterations=3")));
        List<Path> after = eventFiles(run);
        assertEquals(2, after.size(), after.toString());
        List<EventFiles.Event> resumed = EventFiles.read(after.get(1));
        assertEquals("brain.Event:2", resumed.get(0).fileVersion());
        assertEquals(1L, resumed.get(1).sessionStatus());
        assertEquals(3, resumed.get(1).step());
        assertTrue(resumed.stream().anyMatch(e -> e.step() == 3 && e.values().stream()
                .anyMatch(v -> v.tag().equals("lr_d"))), "iteration 3's record");
    }

    private static List<Path> eventFiles(Path run) throws Exception {
        try (Stream<Path> s = Files.list(TensorBoardListener.directory(run))) {
            return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
        }
    }
}
