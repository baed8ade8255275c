package org.biggan4j.health;

import org.biggan4j.io.JsonLines;
import org.biggan4j.nn.SubspaceSpectrum;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.MetricsLogger;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Logs sigma_0, sigma_1, sigma_2 and the Frobenius norm of every weight matrix of G and D
 * every {@code every} iterations to {@code spectra.jsonl} (BigGAN section 4.1: G's sigma_0,
 * above all in its first linear layer, explodes before collapse; D's spectra become noisy).
 *
 * <p>A weight is a parameter with at least two dimensions (linear, conv and embedding weights;
 * the raw weight when spectral normalisation wraps it). Each keeps its own warm-started
 * {@link SubspaceSpectrum}, so a record costs a few matrix products per layer.
 */
public final class SpectraTracker implements TrainingListener {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Subspace iterations allowed per record: a cold start needs tens, a warm one a few. */
    public static final int MAX_ITERATIONS = 40;
    /** Relative change of sigma_0..2 between subspace iterations at which a record stops iterating. */
    public static final double TOLERANCE = 1e-7;

    private final int every;
    private final int maxIterations;
    private final double tolerance;
    private final Map<String, SubspaceSpectrum> estimators = new LinkedHashMap<>();
    private final Map<String, double[]> latest = new LinkedHashMap<>();
    private long latestIteration = -1;
    private BufferedWriter out;

    /** Records every {@code every} iterations, iterating each weight to {@link #TOLERANCE}. */
    public SpectraTracker(int every) {
        this(every, MAX_ITERATIONS, TOLERANCE);
    }

    /**
     * @param every         iterations between records
     * @param maxIterations subspace iterations allowed per weight and record (warm-started, so a
     *                      record after the first usually stops after a few)
     * @param tolerance     relative change of sigma_0..2 between iterations that ends a record's iteration
     */
    public SpectraTracker(int every, int maxIterations, double tolerance) {
        if (every <= 0 || maxIterations <= 0 || tolerance < 0) {
            throw new IllegalArgumentException("every and maxIterations must be > 0 and tolerance >= 0, got "
                    + every + ", " + maxIterations + ", " + tolerance + ".");
        }
        this.every = every;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
    }

    /** Iterations between records. */
    public int every() {
        return every;
    }

    /** Reads a run's spectra records (tolerates a last line being written). */
    public static List<Map<String, Object>> read(Path runDir) {
        return JsonLines.read(path(runDir));
    }

    /** The spectra file of a run. */
    public static Path path(Path runDir) {
        return runDir.resolve("spectra.jsonl");
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        open(session, firstIteration);
    }

    /** Iterations after a roll-back's target run again: their records are dropped. */
    @Override
    public void onRollback(TrainingSession session, long fromIteration, long toIteration) {
        closeFile();
        open(session, toIteration + 1);
    }

    private void open(TrainingSession session, long firstIteration) {
        try {
            Files.createDirectories(session.runDir());
            // On a resume, records the interrupted process wrote after its last checkpoint are dropped.
            MetricsLogger.truncateFrom(path(session.runDir()), firstIteration, true);
            out = Files.newBufferedWriter(path(session.runDir()), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open " + path(session.runDir()) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        if (metrics.iteration() % every != 0) {
            return;
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("iteration", metrics.iteration());
        Map<String, Object> layers = new LinkedHashMap<>();
        measure("G", session.generator().named_parameters(true), layers);
        measure("D", session.discriminator().named_parameters(true), layers);
        record.put("layers", layers);
        latestIteration = metrics.iteration();
        try {
            out.write(JSON.writeValueAsString(record));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not append to spectra.jsonl: " + e.getMessage(), e);
        }
    }

    private void measure(String network, StringTensorDict params, Map<String, Object> layers) {
        for (long i = 0; i < params.size(); i++) {
            String name = network + "." + params.get(i).key().getString();
            Tensor w = params.get(i).value();
            if (w.dim() < 2) {
                continue;
            }
            SubspaceSpectrum s = estimators.computeIfAbsent(name, k -> new SubspaceSpectrum(3, 8));
            SubspaceSpectrum.Estimate e = s.estimate(w, maxIterations, tolerance);
            double[] values = new double[4];
            for (int j = 0; j < 3; j++) {
                values[j] = j < e.sigmas().length ? e.sigmas()[j] : 0;
            }
            values[3] = e.frobenius();
            latest.put(name, values);
            layers.put(name, values);
        }
    }

    /** The iteration of the latest record, or -1. */
    public long latestIteration() {
        return latestIteration;
    }

    /** The latest [sigma_0, sigma_1, sigma_2, frobenius] by layer ("G.name" / "D.name"). */
    public Map<String, double[]> latest() {
        return latest;
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        estimators.values().forEach(SubspaceSpectrum::close);
        estimators.clear();
        closeFile();
    }

    private void closeFile() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not close spectra.jsonl: " + e.getMessage(), e);
        }
    }
}
