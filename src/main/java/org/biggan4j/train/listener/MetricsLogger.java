package org.biggan4j.train.listener;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes every {@code log_every}-th iteration's metrics to {@code metrics.jsonl} (one JSON
 * object a line, every key) and {@code metrics.csv} (the columns of the first record). On a
 * resume, records at or after the resumed iteration (written by the interrupted process after
 * its last checkpoint) are dropped first, so the files never hold an iteration twice.
 *
 * <p>Other listeners add figures of their own to an iteration's record with {@link #publish} (the
 * periodic evaluation's FID and class accuracy): that iteration's record is then written whatever
 * {@code log_every} says, with those figures merged in, so that a quality curve and the losses
 * share one record per iteration. Publish before this listener's {@code onIteration} runs (put
 * the publisher earlier in the list); a figure published after its iteration's record was written
 * goes into a record of its own with that iteration.
 */
public final class MetricsLogger implements TrainingListener {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BufferedWriter jsonl;
    private BufferedWriter csv;
    private List<String> columns;
    private final List<String> declared = new ArrayList<>();
    private final Map<String, Double> published = new LinkedHashMap<>();
    private long publishedIteration = -1;
    private long lastWritten = -1;
    private int every;
    private final List<RecordSink> sinks = new ArrayList<>();

    /** Receives every record as it is written (iteration and values, before JSON conversion). */
    @FunctionalInterface
    public interface RecordSink {
        void accept(long iteration, Map<String, Double> values);
    }

    /** Sends every record this logger writes to {@code sink} too (the TensorBoard listener). */
    public void alsoTo(RecordSink sink) {
        sinks.add(sink);
    }

    /**
     * Columns that other listeners will {@link #publish} later, so that {@code metrics.csv}'s
     * header (taken from the first record) has them; call before training starts.
     */
    public void declareColumns(List<String> names) {
        for (String n : names) {
            if (!declared.contains(n)) {
                declared.add(n);
            }
        }
    }

    /**
     * Adds {@code name = value} to the record of {@code iteration} (see the class comment).
     * Non-finite values are written as strings, as the step's are.
     */
    public void publish(long iteration, String name, double value) {
        if (iteration == lastWritten) {
            write(iteration, Map.of(name, value), false);
            return;
        }
        if (iteration != publishedIteration) {
            published.clear();
            publishedIteration = iteration;
        }
        published.put(name, value);
    }

    /** The JSONL file of a run folder. */
    public static Path jsonlPath(Path runDir) {
        return runDir.resolve("metrics.jsonl");
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        open(session, firstIteration);
    }

    /** Iterations after a roll-back's target run again: their records are dropped. */
    @Override
    public void onRollback(TrainingSession session, long fromIteration, long toIteration) {
        close();
        published.clear();
        publishedIteration = -1;
        lastWritten = -1;
        open(session, toIteration + 1);
    }

    private void open(TrainingSession session, long firstIteration) {
        every = session.config().output().logEvery();
        Path jsonlFile = jsonlPath(session.runDir());
        Path csvFile = session.runDir().resolve("metrics.csv");
        try {
            Files.createDirectories(session.runDir());
            truncateFrom(jsonlFile, firstIteration, true);
            truncateFrom(csvFile, firstIteration, false);
            if (Files.isRegularFile(csvFile) && Files.size(csvFile) > 0) {
                columns = List.of(Files.readAllLines(csvFile).get(0).split(","));
            }
            jsonl = Files.newBufferedWriter(jsonlFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            csv = Files.newBufferedWriter(csvFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open the metrics files in " + session.runDir() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        long it = metrics.iteration();
        if (publishedIteration >= 0 && publishedIteration < it && !published.isEmpty()) {
            // Published after its iteration was passed over (the publisher runs after this listener).
            write(publishedIteration, new LinkedHashMap<>(published), false);
            published.clear();
            publishedIteration = -1;
        }
        boolean extra = publishedIteration == it && !published.isEmpty();
        if (it % every != 0 && it != session.config().training().iterations() && !extra) {
            return;
        }
        Map<String, Double> values = new LinkedHashMap<>(metrics.values());
        if (extra) {
            values.putAll(published);
        }
        published.clear();
        publishedIteration = -1;
        write(it, values, true);
    }

    private void write(long iteration, Map<String, Double> values, boolean withCsv) {
        lastWritten = iteration;
        try {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("iteration", iteration);
            values.forEach((k, v) -> record.put(k, Double.isFinite(v) ? v : String.valueOf(v)));
            jsonl.write(JSON.writeValueAsString(record));
            jsonl.newLine();
            jsonl.flush();
            for (RecordSink sink : sinks) {
                sink.accept(iteration, values);
            }
            if (!withCsv) {
                return;
            }
            if (columns == null) {
                columns = new ArrayList<>(record.keySet());
                declared.stream().filter(c -> !columns.contains(c)).forEach(columns::add);
                csv.write(String.join(",", columns));
                csv.newLine();
            }
            List<String> cells = new ArrayList<>();
            for (String c : columns) {
                Object v = record.get(c);
                cells.add(v == null ? "" : String.valueOf(v));
            }
            csv.write(String.join(",", cells));
            csv.newLine();
            csv.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not append to the metrics files: " + e.getMessage(), e);
        }
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        if (!published.isEmpty()) {
            write(publishedIteration, new LinkedHashMap<>(published), false);
            published.clear();
        }
        close();
    }

    private void close() {
        try {
            if (jsonl != null) {
                jsonl.close();
            }
            if (csv != null) {
                csv.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not close the metrics files: " + e.getMessage(), e);
        }
    }

    /** Reads a run's JSONL metrics back (for plots and the health page). */
    public static List<Map<String, Object>> read(Path runDir) {
        Path file = jsonlPath(runDir);
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = JSON.readValue(line, Map.class);
                    out.add(m);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Drops the records of {@code iteration >= firstIteration} from a JSONL (or, with
     * {@code json} false, CSV) file whose records carry their iteration; lines cut by a crash go too.
     */
    public static void truncateFrom(Path file, long firstIteration, boolean json) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            if (!json && i == 0) {
                kept.add(line); // the CSV header
                continue;
            }
            long it;
            try {
                it = json ? JSON.readTree(line).path("iteration").asLong()
                        : Long.parseLong(line.substring(0, line.indexOf(',') < 0 ? line.length() : line.indexOf(',')));
            } catch (IOException | NumberFormatException e) {
                continue; // a line cut by a crash
            }
            if (it < firstIteration) {
                kept.add(line);
            }
        }
        AtomicFiles.writeBytes(file, (String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"))
                .getBytes(StandardCharsets.UTF_8));
    }
}
