package org.biggan4j.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
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

    private final int every;
    private final int iterationsPerCall;
    private final Map<String, SubspaceSpectrum> estimators = new LinkedHashMap<>();
    private final Map<String, double[]> latest = new LinkedHashMap<>();
    private BufferedWriter out;

    /**
     * @param every             iterations between records
     * @param iterationsPerCall subspace iterations per record (warm-started; 2-4 track training well)
     */
    public SpectraTracker(int every, int iterationsPerCall) {
        if (every <= 0 || iterationsPerCall <= 0) {
            throw new IllegalArgumentException("every and iterationsPerCall must be > 0.");
        }
        this.every = every;
        this.iterationsPerCall = iterationsPerCall;
    }

    /** The spectra file of a run. */
    public static Path path(Path runDir) {
        return runDir.resolve("spectra.jsonl");
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        try {
            Files.createDirectories(session.runDir());
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
            SubspaceSpectrum.Estimate e = s.estimate(w, iterationsPerCall, 0);
            double[] values = new double[4];
            for (int j = 0; j < 3; j++) {
                values[j] = j < e.sigmas().length ? e.sigmas()[j] : 0;
            }
            values[3] = e.frobenius();
            latest.put(name, values);
            layers.put(name, values);
        }
    }

    /** The latest [sigma_0, sigma_1, sigma_2, frobenius] by layer ("G.name" / "D.name"). */
    public Map<String, double[]> latest() {
        return latest;
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        estimators.values().forEach(SubspaceSpectrum::close);
        estimators.clear();
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not close spectra.jsonl: " + e.getMessage(), e);
        }
    }
}
