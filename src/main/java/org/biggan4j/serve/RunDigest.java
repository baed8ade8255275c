package org.biggan4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointHeader;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.health.CollapseDetector;
import org.biggan4j.health.CollapseMonitor;
import org.biggan4j.health.SpectraTracker;
import org.biggan4j.train.listener.MetricsLogger;
import org.biggan4j.train.listener.SampleSheetListener;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the dashboard knows of one run, kept up to date by reading only what its files gained
 * since the last look ({@link JsonlTail}): the last metrics record, the last quality figures, the
 * recent speed, whether the collapse monitor stopped it, and the evidence for its
 * {@link RunStatus}. Thread-safe (one lock per run).
 */
final class RunDigest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern SHEET = Pattern.compile("iter-(\\d+)\\.png");
    /** Bytes read from a JSONL file per request, so a long run's history arrives in bounded pieces. */
    static final int CHUNK_BYTES = 1 << 21;
    /** config.yaml is read up to this size (ours are a few KB). */
    private static final int MAX_CONFIG_BYTES = 1 << 20;
    private static final int SPEED_WINDOW = 10;

    /**
     * One row of the runs page (null figures: not recorded yet).
     *
     * @param id                  the run's id
     * @param status              training, finished, stopped or failed ({@link RunStatus#label})
     * @param reason              why the status was given
     * @param iteration           the newest iteration of the metrics records and checkpoints
     * @param iterations          {@code training.iterations} (0 when unknown)
     * @param iterationsPerSecond the mean speed over the last records
     * @param imagesPerSecond     the last record's images per second
     * @param fid                 the last FID of the periodic evaluation
     * @param classAccuracy       the last class accuracy of the periodic evaluation
     * @param kid                 the last KID, when a run records one
     * @param qualityIteration    the iteration of the last FID or class accuracy
     * @param lastWrite           the newest write to the run's files (ISO-8601)
     * @param sheets              sample sheets written
     * @param checkpoints         checkpoints present
     */
    record Summary(String id, String status, String reason, long iteration, long iterations,
                   Double iterationsPerSecond, Double imagesPerSecond, Double fid, Double classAccuracy, Double kid,
                   Long qualityIteration, String lastWrite, int sheets, int checkpoints) {
    }

    /** A sample sheet of the run: its iteration and its path relative to the run folder. */
    record Sheet(long iteration, String path) {
    }

    private final Path run;
    private long metricsOffset;
    private String metricsGeneration = "";
    private long lastMetricsIteration;
    private Double fid;
    private Double classAccuracy;
    private Double kid;
    private Long qualityIteration;
    private double evalSeconds;
    private Double imagesPerSecond;
    private final ArrayDeque<Double> seconds = new ArrayDeque<>();
    private long healthOffset;
    private String healthGeneration = "";
    private boolean healthStop;
    private FileTime configTime;
    private long targetIterations;
    private int logEvery = 1;
    private Path headerFile;
    private FileTime headerTime;
    private Map<String, Object> headerDetails;

    RunDigest(Path run) {
        this.run = run;
    }

    /** The run's row now. */
    synchronized Summary summary(String id, Instant now) {
        readMetrics();
        readHealth();
        readConfig();
        List<Path> checkpoints = new CheckpointStore(run, 1, "").list();
        long newestCheckpoint = checkpoints.isEmpty() ? -1 : CheckpointStore.iterationOf(checkpoints.get(
                checkpoints.size() - 1));
        List<Sheet> sheets = sheets();
        // Not the sheets: an interrupted process may have left sheets after the checkpoint a resume
        // continues from, and the loop's end writes a checkpoint at its last iteration anyway.
        long last = Math.max(lastMetricsIteration, Math.max(newestCheckpoint, 0));
        double meanSeconds = seconds.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        Instant lastWrite = lastWrite();
        RunStatus.Verdict verdict = RunStatus.judge(new RunStatus.Evidence(last, lastMetricsIteration,
                newestCheckpoint, targetIterations, logEvery, meanSeconds, evalSeconds, lastWrite, healthStop), now);
        return new Summary(id, verdict.status().label(), verdict.reason(), last, targetIterations,
                meanSeconds > 0 ? 1 / meanSeconds : null, imagesPerSecond, fid, classAccuracy, kid, qualityIteration,
                lastWrite.toString(), sheets.size(), checkpoints.size());
    }

    /**
     * What the run page shows besides the charts: config.yaml's text, the newest checkpoint's
     * provenance and class names, the sample sheets, and G's first layer (highlighted in the
     * spectra as the health page does).
     */
    synchronized Map<String, Object> details() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("config", configText());
        out.putAll(header());
        out.put("sheets", sheets());
        out.put("firstLayer", firstLayer());
        return out;
    }

    /** The run's sample sheets, oldest first. */
    List<Sheet> sheets() {
        Path dir = SampleSheetListener.directory(run);
        List<Sheet> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = SHEET.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).length() < 19) {
                    out.add(new Sheet(Long.parseLong(m.group(1)), "samples/" + p.getFileName()));
                }
            });
        } catch (IOException e) {
            return out;
        }
        out.sort((a, b) -> Long.compare(a.iteration(), b.iteration()));
        return out;
    }

    private void readMetrics() {
        JsonlTail.Chunk chunk;
        do {
            chunk = JsonlTail.read(MetricsLogger.jsonlPath(run), metricsOffset, metricsGeneration, CHUNK_BYTES);
            if (chunk.reset()) {
                lastMetricsIteration = 0;
                fid = classAccuracy = kid = imagesPerSecond = null;
                qualityIteration = null;
                evalSeconds = 0;
                seconds.clear();
            }
            for (JsonNode r : chunk.records()) {
                long it = r.path("iteration").asLong(0);
                lastMetricsIteration = Math.max(lastMetricsIteration, it);
                if (r.path("seconds").isNumber()) {
                    seconds.addLast(r.path("seconds").doubleValue());
                    if (seconds.size() > SPEED_WINDOW) {
                        seconds.removeFirst();
                    }
                }
                if (r.path("images_per_sec").isNumber()) {
                    imagesPerSecond = r.path("images_per_sec").doubleValue();
                }
                if (r.path("fid").isNumber()) {
                    fid = r.path("fid").doubleValue();
                    qualityIteration = it;
                }
                if (r.path("class_accuracy").isNumber()) {
                    classAccuracy = r.path("class_accuracy").doubleValue();
                    qualityIteration = it;
                }
                if (r.path("kid").isNumber()) {
                    kid = r.path("kid").doubleValue();
                }
                if (r.path("eval_seconds").isNumber()) {
                    evalSeconds = r.path("eval_seconds").doubleValue();
                }
            }
            metricsOffset = chunk.offset();
            metricsGeneration = chunk.generation();
        } while (chunk.more());
    }

    private void readHealth() {
        JsonlTail.Chunk chunk;
        do {
            chunk = JsonlTail.read(CollapseMonitor.path(run), healthOffset, healthGeneration, CHUNK_BYTES);
            if (chunk.reset()) {
                healthStop = false;
            }
            for (JsonNode r : chunk.records()) {
                healthStop |= "stop".equals(r.path("action").asText());
            }
            healthOffset = chunk.offset();
            healthGeneration = chunk.generation();
        } while (chunk.more());
    }

    private void readConfig() {
        Path file = run.resolve("config.yaml");
        try {
            FileTime time = Files.getLastModifiedTime(file);
            if (time.equals(configTime)) {
                return;
            }
            configTime = time;
            JsonNode config = YAML.readTree(configText());
            targetIterations = config == null ? 0 : config.path("training").path("iterations").asLong(0);
            logEvery = config == null ? 1 : Math.max(1, config.path("output").path("log_every").asInt(1));
        } catch (IOException | RuntimeException e) {
            // No config.yaml (yet) or one that does not parse: the status rule then knows no target.
            targetIterations = 0;
            logEvery = 1;
        }
    }

    private String configText() {
        Path file = run.resolve("config.yaml");
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_CONFIG_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Provenance and class names of the newest checkpoint, read once per checkpoint file. */
    private Map<String, Object> header() {
        List<Path> checkpoints = new CheckpointStore(run, 1, "").list();
        Map<String, Object> out = new LinkedHashMap<>();
        if (checkpoints.isEmpty()) {
            out.put("provenance", null);
            out.put("classNames", List.of());
            out.put("checkpoint", null);
            return out;
        }
        Path newest = checkpoints.get(checkpoints.size() - 1);
        try {
            FileTime time = Files.getLastModifiedTime(newest);
            if (!newest.equals(headerFile) || !time.equals(headerTime)) {
                CheckpointHeader h = CheckpointFile.header(newest);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("provenance", h.provenance());
                d.put("classNames", h.state().classNames());
                d.put("checkpoint", "checkpoints/" + newest.getFileName());
                d.put("checkpointIteration", h.iteration());
                d.put("checkpointMetrics", h.metrics());
                headerDetails = d;
                headerFile = newest;
                headerTime = time;
            }
            out.putAll(headerDetails);
        } catch (IOException | RuntimeException e) {
            out.put("provenance", null);
            out.put("classNames", List.of());
            out.put("checkpoint", "checkpoints/" + newest.getFileName());
            out.put("headerError", e.getMessage());
        }
        return out;
    }

    /** G's first layer as the health page picks it, from the first spectra record ("" when none). */
    private String firstLayer() {
        JsonlTail.Chunk first = JsonlTail.read(SpectraTracker.path(run), 0, "", 1 << 18);
        if (first.records().isEmpty()) {
            return "";
        }
        List<String> g = new ArrayList<>();
        for (Iterator<String> it = first.records().get(0).path("layers").fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (name.startsWith("G.")) {
                g.add(name.substring(2));
            }
        }
        String name = CollapseDetector.firstLayer(g);
        return name.isEmpty() ? "" : "G." + name;
    }

    private Instant lastWrite() {
        Instant newest = Instant.EPOCH;
        for (Path p : List.of(run, run.resolve("config.yaml"), MetricsLogger.jsonlPath(run), SpectraTracker.path(run),
                CollapseMonitor.path(run), run.resolve("checkpoints"), SampleSheetListener.directory(run),
                run.resolve("health"))) {
            try {
                Instant t = Files.getLastModifiedTime(p).toInstant();
                if (t.isAfter(newest)) {
                    newest = t;
                }
            } catch (IOException e) {
                // Absent: the run does not write it (yet).
            }
        }
        return newest;
    }
}
