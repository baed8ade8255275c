package org.biggan4j.health;

import org.biggan4j.config.TrainConfig.HealthConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides from the signals of BigGAN section 4 whether training has collapsed. Pure Java (no
 * tensors), fed one observation at a time, so it can be tested on recorded or synthetic series.
 *
 * <p>The signals, each with a threshold from {@link HealthConfig}:
 * <ul>
 *   <li><b>G's first-layer sigma_0</b>: its value over the median of its previous {@code window}
 *       records. The paper (section 4.1, figure 3) finds that the top singular values of G grow
 *       and then explode at collapse, most clearly in the first (linear) layer; this alone decides.</li>
 *   <li><b>Any other G weight's sigma_0</b>, same ratio with a higher threshold: a weaker signal.</li>
 *   <li><b>D's loss near zero, then a jump</b> (section 4.2: D's loss goes to zero and jumps at
 *       collapse): the smoothed loss (mean of the last {@link #SMOOTHING} values) rose by at least
 *       {@code d_loss_jump} above its low over the last {@code loss_window} iterations, and that low
 *       was at most {@code d_loss_low}. Noisy on its own.</li>
 *   <li><b>A sharp drop of a sample-quality proxy</b> (class accuracy down, or FID up, by
 *       {@code quality_drop} relative to its best): collapse is defined by this, so it decides alone.</li>
 * </ul>
 * Training is judged collapsed when the first-layer signal or the quality signal fires, or when
 * any two signals fire together. Nothing fires before {@code warmup} iterations. After a decision
 * the detector stays quiet until every signal is healthy again (one decision per event).
 *
 * <p>"Healthy" is stricter than "not firing": every signal below half its threshold (a ratio
 * below 1 + (threshold - 1) / 2). {@link #lastHealthy()} is the last iteration at which that held
 * with fresh spectra, which is how the monitor chooses the checkpoint to keep and to roll back to.
 */
public final class CollapseDetector {

    /** D loss values averaged into the smoothed loss. */
    public static final int SMOOTHING = 10;
    /** Records of a weight's sigma_0 needed before its ratio is judged. */
    public static final int MIN_HISTORY = 3;

    /** One signal's value at a decision: the evidence. */
    public record Reading(String signal, double value, double threshold, boolean firing, String detail) {
    }

    /**
     * A collapse decision.
     *
     * @param iteration   the iteration at which it was detected
     * @param lastHealthy the last iteration at which every signal was healthy (fresh spectra)
     * @param readings    every signal, firing or not
     */
    public record Decision(long iteration, long lastHealthy, List<Reading> readings) {
        /** The firing signals, as one line. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            for (Reading r : readings) {
                if (r.firing()) {
                    parts.add(String.format(Locale.ROOT, "%s %.3g >= %.3g%s", r.signal(), r.value(), r.threshold(),
                            r.detail().isEmpty() ? "" : " (" + r.detail() + ")"));
                }
            }
            return String.join("; ", parts);
        }
    }

    /** Signal names, as they appear in health.jsonl. */
    public static final String FIRST_SIGMA = "g_first_layer_sigma0_ratio";
    public static final String ANY_SIGMA = "g_max_sigma0_ratio";
    public static final String D_LOSS = "d_loss_jump";
    public static final String QUALITY = "quality_drop";

    private final HealthConfig config;
    private final boolean spectra;
    private final Map<String, ArrayDeque<Double>> sigmaHistory = new LinkedHashMap<>();
    private double firstRatio = Double.NaN;
    private double anyRatio = Double.NaN;
    private String firstLayer = "";
    private String anyLayer = "";
    private final ArrayDeque<Double> recentLoss = new ArrayDeque<>();
    private final ArrayDeque<double[]> smoothedLoss = new ArrayDeque<>(); // [iteration, smoothed]
    private final ArrayDeque<double[]> lossMinima = new ArrayDeque<>();   // increasing: the window's minimum first
    private final Map<String, double[]> quality = new LinkedHashMap<>();  // metric -> [best, latest, count]
    private long lastHealthy;
    private boolean alarmed;

    /**
     * @param config  thresholds and windows
     * @param spectra whether spectra are observed (then only spectra observations can mark an
     *                iteration healthy, since G's sigma_0 is unknown between records)
     */
    public CollapseDetector(HealthConfig config, boolean spectra) {
        this.config = config;
        this.spectra = spectra;
    }

    /**
     * The weight of G the latent enters first, among {@code names} (parameter names of G): the
     * paper's "first layer". Known names of this project's generators first, else the first name.
     */
    public static String firstLayer(Collection<String> names) {
        for (String known : List.of("linear.weight", "gen_z.weight", "hidden0.weight", "convs.0.weight",
                "l1.weight")) {
            for (String n : names) {
                if (n.equals(known)) {
                    return n;
                }
            }
        }
        return names.isEmpty() ? "" : names.iterator().next();
    }

    /**
     * A spectra record: sigma_0 of every weight of G.
     *
     * @param firstLayer the key of G's first layer in {@code sigma0} (see {@link #firstLayer})
     */
    public Optional<Decision> observeSpectra(long iteration, String firstLayer, Map<String, Double> sigma0) {
        this.firstLayer = firstLayer;
        firstRatio = Double.NaN;
        anyRatio = Double.NaN;
        anyLayer = "";
        for (Map.Entry<String, Double> e : sigma0.entrySet()) {
            double value = e.getValue();
            if (!Double.isFinite(value)) {
                value = Double.MAX_VALUE; // an infinite sigma is the extreme of an explosion
            }
            ArrayDeque<Double> history = sigmaHistory.computeIfAbsent(e.getKey(), k -> new ArrayDeque<>());
            double ratio = Double.NaN;
            if (history.size() >= MIN_HISTORY) {
                double median = median(history);
                ratio = median > 0 ? value / median : Double.NaN;
            }
            history.addLast(value);
            while (history.size() > config.window()) {
                history.removeFirst();
            }
            if (e.getKey().equals(firstLayer)) {
                firstRatio = ratio;
            } else if (!Double.isNaN(ratio) && (Double.isNaN(anyRatio) || ratio > anyRatio)) {
                anyRatio = ratio;
                anyLayer = e.getKey();
            }
        }
        return evaluate(iteration, true);
    }

    /** D's loss at an iteration (every iteration, or as often as it is logged). */
    public Optional<Decision> observeDiscriminatorLoss(long iteration, double loss) {
        if (!Double.isFinite(loss)) {
            return Optional.empty();
        }
        recentLoss.addLast(loss);
        while (recentLoss.size() > SMOOTHING) {
            recentLoss.removeFirst();
        }
        double mean = recentLoss.stream().mapToDouble(Double::doubleValue).average().orElse(loss);
        addSmoothed(new double[] {iteration, mean});
        return evaluate(iteration, !spectra);
    }

    /**
     * A sample-quality proxy from a periodic evaluation. Names containing "fid", "loss" or
     * "distance" are better when lower; others (class_accuracy, is, precision) when higher.
     */
    public Optional<Decision> observeQuality(long iteration, String metric, double value) {
        if (!Double.isFinite(value)) {
            return Optional.empty();
        }
        double[] q = quality.get(metric);
        if (q == null) {
            quality.put(metric, new double[] {value, value, 1});
        } else {
            q[0] = lowerIsBetter(metric) ? Math.min(q[0], value) : Math.max(q[0], value);
            q[1] = value;
            q[2]++;
        }
        return evaluate(iteration, !spectra);
    }

    /** The last iteration at which every signal was healthy (0 before any). */
    public long lastHealthy() {
        return lastHealthy;
    }

    /** The current readings of every signal (for logs and the health page). */
    public List<Reading> readings(long iteration) {
        boolean judging = iteration > config.warmup();
        List<Reading> out = new ArrayList<>();
        out.add(new Reading(FIRST_SIGMA, firstRatio, config.sigmaRatio(),
                judging && firstRatio >= config.sigmaRatio(), firstLayer));
        out.add(new Reading(ANY_SIGMA, anyRatio, config.sigmaRatioAny(),
                judging && anyRatio >= config.sigmaRatioAny(), anyLayer));
        double[] loss = lossJump();
        out.add(new Reading(D_LOSS, loss[1], config.dLossJump(),
                judging && loss[0] <= config.dLossLow() && loss[1] >= config.dLossJump(),
                Double.isNaN(loss[0]) ? "" : String.format(Locale.ROOT, "low %.3g, now %.3g", loss[0], loss[2])));
        String worst = "";
        double drop = Double.NaN;
        for (Map.Entry<String, double[]> e : quality.entrySet()) {
            double[] q = e.getValue();
            if (q[2] < 2 || q[0] == 0) {
                continue;
            }
            double d = lowerIsBetter(e.getKey()) ? (q[1] - q[0]) / Math.abs(q[0]) : (q[0] - q[1]) / Math.abs(q[0]);
            if (Double.isNaN(drop) || d > drop) {
                drop = d;
                worst = String.format(Locale.ROOT, "%s best %.4g, now %.4g", e.getKey(), q[0], q[1]);
            }
        }
        out.add(new Reading(QUALITY, drop, config.qualityDrop(), judging && drop >= config.qualityDrop(), worst));
        return out;
    }

    private Optional<Decision> evaluate(long iteration, boolean fresh) {
        List<Reading> readings = readings(iteration);
        boolean judging = iteration > config.warmup();
        int firing = 0;
        boolean decisive = false;
        boolean healthy = true;
        for (Reading r : readings) {
            if (r.firing()) {
                firing++;
                decisive |= r.signal().equals(FIRST_SIGMA) || r.signal().equals(QUALITY);
            }
            healthy &= !judging || isHealthy(r);
        }
        if (fresh && healthy) {
            lastHealthy = iteration;
            alarmed = false;
        }
        if ((decisive || firing >= 2) && !alarmed) {
            alarmed = true;
            return Optional.of(new Decision(iteration, lastHealthy, readings));
        }
        return Optional.empty();
    }

    private boolean isHealthy(Reading r) {
        if (Double.isNaN(r.value())) {
            return true;
        }
        return switch (r.signal()) {
            case FIRST_SIGMA, ANY_SIGMA -> r.value() < 1 + (r.threshold() - 1) / 2;
            case D_LOSS -> !(lossJump()[0] <= config.dLossLow() && r.value() >= r.threshold() / 2);
            default -> r.value() < r.threshold() / 2;
        };
    }

    /** Appends to the smoothed series and keeps the sliding-window minimum (a monotonic queue). */
    private void addSmoothed(double[] point) {
        long iteration = (long) point[0];
        smoothedLoss.addLast(point);
        while (!smoothedLoss.isEmpty() && smoothedLoss.peekFirst()[0] <= iteration - config.lossWindow()) {
            smoothedLoss.removeFirst();
        }
        while (!lossMinima.isEmpty() && lossMinima.peekLast()[1] >= point[1]) {
            lossMinima.removeLast();
        }
        lossMinima.addLast(point);
        while (lossMinima.peekFirst()[0] <= iteration - config.lossWindow()) {
            lossMinima.removeFirst();
        }
    }

    /** [recent low, current minus low, current] of the smoothed D loss; NaN before enough values. */
    private double[] lossJump() {
        if (smoothedLoss.size() < SMOOTHING) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        double low = lossMinima.peekFirst()[1];
        double now = smoothedLoss.peekLast()[1];
        return new double[] {low, now - low, now};
    }

    private static boolean lowerIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        return m.contains("fid") || m.contains("loss") || m.contains("distance");
    }

    private static double median(Collection<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /** The detector's state as JSON-friendly values (stored in checkpoints, so a resume continues it). */
    public Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, Object> sigma = new LinkedHashMap<>();
        sigmaHistory.forEach((k, v) -> sigma.put(k, new ArrayList<>(v)));
        s.put("sigma_history", sigma);
        s.put("loss_recent", new ArrayList<>(recentLoss));
        List<List<Double>> smoothed = new ArrayList<>();
        smoothedLoss.forEach(p -> smoothed.add(List.of(p[0], p[1])));
        s.put("loss_smoothed", smoothed);
        Map<String, Object> q = new LinkedHashMap<>();
        quality.forEach((k, v) -> q.put(k, List.of(v[0], v[1], v[2])));
        s.put("quality", q);
        s.put("first_ratio", Double.isNaN(firstRatio) ? null : firstRatio);
        s.put("any_ratio", Double.isNaN(anyRatio) ? null : anyRatio);
        s.put("first_layer", firstLayer);
        s.put("any_layer", anyLayer);
        s.put("last_healthy", lastHealthy);
        s.put("alarmed", alarmed);
        return s;
    }

    /** Restores a {@link #state()} (as written, or as parsed back from JSON). */
    @SuppressWarnings("unchecked")
    public void restore(Map<String, Object> s) {
        sigmaHistory.clear();
        ((Map<String, Object>) s.getOrDefault("sigma_history", Map.of())).forEach((k, v) ->
                sigmaHistory.put(k, new ArrayDeque<>(doubles((List<Object>) v))));
        recentLoss.clear();
        recentLoss.addAll(doubles((List<Object>) s.getOrDefault("loss_recent", List.of())));
        smoothedLoss.clear();
        lossMinima.clear();
        for (Object p : (List<Object>) s.getOrDefault("loss_smoothed", List.of())) {
            List<Double> pair = doubles((List<Object>) p);
            addSmoothed(new double[] {pair.get(0), pair.get(1)});
        }
        quality.clear();
        ((Map<String, Object>) s.getOrDefault("quality", Map.of())).forEach((k, v) -> {
            List<Double> q = doubles((List<Object>) v);
            quality.put(k, new double[] {q.get(0), q.get(1), q.get(2)});
        });
        firstRatio = number(s.get("first_ratio"));
        anyRatio = number(s.get("any_ratio"));
        firstLayer = String.valueOf(s.getOrDefault("first_layer", ""));
        anyLayer = String.valueOf(s.getOrDefault("any_layer", ""));
        lastHealthy = (long) number(s.getOrDefault("last_healthy", 0));
        alarmed = Boolean.TRUE.equals(s.get("alarmed"));
    }

    private static List<Double> doubles(List<Object> values) {
        List<Double> out = new ArrayList<>();
        for (Iterator<Object> it = values.iterator(); it.hasNext(); ) {
            out.add(number(it.next()));
        }
        return out;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
