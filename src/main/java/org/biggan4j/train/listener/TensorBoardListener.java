package org.biggan4j.train.listener;

import org.biggan4j.io.tensorboard.EventFileWriter;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code output.tensorboard}: the run as TensorBoard event files in {@code RUN/tensorboard/}, so
 * that {@code tensorboard --logdir runs} shows a biggan4j run like any other. It writes what the
 * other listeners produce, nothing of its own: every record {@link MetricsLogger} writes as
 * scalars (tags are the metric names), every sheet {@link SampleSheetListener} writes as the image
 * {@code samples}, and, when given the spectra of the health tracker, a histogram over the layers
 * of each network's sigma_0 ({@code singular_values/G}, {@code singular_values/D}) with each
 * layer's sigma_0 as a scalar ({@code sigma_0/G.<layer>}). Steps are iterations.
 *
 * <p>Each process writes a new file; its first event after the version is a
 * {@code SessionLog.START} at the first iteration it runs, and a roll-back writes another at the
 * iteration it returns to, so TensorBoard drops the records that are about to be written again
 * (as metrics.jsonl drops them). Put it after the listeners it reads from.
 */
public final class TensorBoardListener implements TrainingListener {

    /** The health tracker's latest spectra, seen through an interface (health sits above train). */
    public interface Spectra {
        /** The iteration of the latest record, or -1. */
        long latestIteration();

        /** The latest [sigma_0, sigma_1, sigma_2, frobenius] by layer ("G.name" / "D.name"). */
        Map<String, double[]> latest();
    }

    private EventFileWriter writer;
    private Spectra spectra;

    /**
     * Sends {@code metrics}' records and {@code sheets}' sheets here too; call before training.
     *
     * @param metrics the run's metrics logger
     * @param sheets  the run's sample-sheet listener
     */
    public TensorBoardListener(MetricsLogger metrics, SampleSheetListener sheets) {
        metrics.alsoTo(this::scalars);
        sheets.alsoTo(this::sheet);
    }

    /** Also writes the spectra the health tracker records (before this listener in the list). */
    public TensorBoardListener withSpectra(Spectra source) {
        this.spectra = source;
        return this;
    }

    /** The event-file folder of a run. */
    public static Path directory(Path runDir) {
        return runDir.resolve("tensorboard");
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        try {
            writer = EventFileWriter.create(directory(session.runDir()));
            writer.sessionStart(firstIteration);
            writer.flush();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public void onRollback(TrainingSession session, long fromIteration, long toIteration) {
        write(() -> writer.sessionStart(toIteration + 1));
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        if (spectra == null || spectra.latestIteration() != metrics.iteration()) {
            return;
        }
        long step = metrics.iteration();
        write(() -> {
            Map<String, Double> perLayer = new LinkedHashMap<>();
            for (String network : List.of("G", "D")) {
                List<Double> sigmas = new ArrayList<>();
                spectra.latest().forEach((layer, values) -> {
                    if (layer.startsWith(network + ".")) {
                        sigmas.add(values[0]);
                        perLayer.put("sigma_0/" + layer, values[0]);
                    }
                });
                writer.histogram(step, "singular_values/" + network,
                        sigmas.stream().mapToDouble(Double::doubleValue).toArray());
            }
            writer.scalars(step, perLayer);
        });
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw failure(e);
            }
            writer = null;
        }
    }

    private void scalars(long iteration, Map<String, Double> values) {
        write(() -> writer.scalars(iteration, values));
    }

    private void sheet(long iteration, Path png) {
        write(() -> writer.png(iteration, "samples", Files.readAllBytes(png)));
    }

    /** Writes and flushes, so TensorBoard sees each iteration's records while the run trains. */
    private void write(Action action) {
        if (writer == null) {
            return; // a record from outside the run (no session started)
        }
        try {
            action.run();
            writer.flush();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private UncheckedIOException failure(IOException e) {
        return new UncheckedIOException("Could not write the TensorBoard event file"
                + (writer != null ? " " + writer.file() : "") + ": " + e.getMessage(), e);
    }

    @FunctionalInterface
    private interface Action {
        void run() throws IOException;
    }
}
