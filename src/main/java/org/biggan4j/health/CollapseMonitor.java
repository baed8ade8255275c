package org.biggan4j.health;

import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.config.TrainConfig.HealthConfig;
import org.biggan4j.io.JsonLines;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Feeds a {@link CollapseDetector} from training (D's loss every iteration, G's spectra from a
 * {@link SpectraTracker} when it records, quality proxies from {@link #observeQuality}) and acts on
 * its decisions as {@code health.on_collapse} says:
 * <ul>
 *   <li>{@code warn}: logs the decision and trains on;</li>
 *   <li>{@code stop}: ends training cleanly (the final checkpoint is written as on SIGINT), naming
 *       the last healthy checkpoint, which is kept;</li>
 *   <li>{@code rollback}: asks the session to restore the last checkpoint judged healthy and to go
 *       on with G's learning rate multiplied by {@code rollback_generator_lr_factor} and
 *       {@code rollback_discriminator_steps} more D steps (BigGAN section 4: practitioners restart from the
 *       checkpoint before collapse; the changed configuration is stored in the checkpoints, so a
 *       resume keeps it); after {@code max_rollbacks} it stops instead.</li>
 * </ul>
 * Every decision is appended to {@code health.jsonl} with its evidence. The checkpoint at or before
 * the detector's last healthy iteration is pinned in the {@link CheckpointStore}, so that
 * {@code keep_last} never deletes the state a roll-back needs.
 *
 * <p>Put it before the checkpoint listener: a checkpoint then stores the detector's state as of
 * its own iteration, and a roll-back or resume continues the detector from there.
 */
public final class CollapseMonitor implements TrainingListener {

    private static final Logger LOG = LoggerFactory.getLogger(CollapseMonitor.class);
    /** Key of the monitor's state in checkpoints. */
    public static final String STATE_KEY = "health";

    private final SpectraTracker spectra;
    private final StopSignal stop;
    private CollapseDetector detector;
    private int rollbacks;
    private long pinnedFor = -1;
    private String stopMessage;

    /**
     * @param spectra the tracker whose records feed G's sigma_0 (it must run before this listener), or null
     * @param stop    the loop's stop signal (for {@code on_collapse: stop})
     */
    public CollapseMonitor(SpectraTracker spectra, StopSignal stop) {
        this.spectra = spectra;
        this.stop = stop;
    }

    /** The decisions file of a run. */
    public static Path path(Path runDir) {
        return runDir.resolve("health.jsonl");
    }

    /** Reads a run's decisions (tolerates a last line being written). */
    public static List<Map<String, Object>> read(Path runDir) {
        return JsonLines.read(path(runDir));
    }

    /** Why the monitor stopped training, or null when it did not. */
    public String stopMessage() {
        return stopMessage;
    }

    /** Roll-backs made in this run (carried across resumes). */
    public int rollbacks() {
        return rollbacks;
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        detector = new CollapseDetector(session.config().health(), spectra != null);
        restoreState(session);
    }

    @SuppressWarnings("unchecked")
    private void restoreState(TrainingSession session) {
        Object stored = session.extraState().get(STATE_KEY);
        if (stored instanceof Map<?, ?> m) {
            Map<String, Object> state = (Map<String, Object>) m;
            if (state.get("detector") instanceof Map<?, ?> d) {
                detector.restore((Map<String, Object>) d);
            }
            if (state.get("rollbacks") instanceof Number n) {
                rollbacks = Math.max(rollbacks, n.intValue());
            }
        }
        pinnedFor = -1;
        updatePin(session, true);
        saveState(session);
    }

    /** Feeds a sample-quality proxy (class accuracy, FID) from a periodic evaluation. */
    public void observeQuality(TrainingSession session, long iteration, String metric, double value) {
        detector.observeQuality(iteration, metric, value).ifPresent(d -> act(session, d));
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        long it = metrics.iteration();
        Optional<CollapseDetector.Decision> decision = detector.observeDiscriminatorLoss(it, metrics.get("d_loss"));
        if (spectra != null && spectra.latestIteration() == it) {
            Map<String, Double> sigma0 = new LinkedHashMap<>();
            spectra.latest().forEach((name, values) -> {
                if (name.startsWith("G.")) {
                    sigma0.put(name.substring(2), values[0]);
                }
            });
            Optional<CollapseDetector.Decision> fromSpectra = detector.observeSpectra(it,
                    CollapseDetector.firstLayer(sigma0.keySet()), sigma0);
            decision = decision.isPresent() ? decision : fromSpectra;
        }
        updatePin(session, it % session.config().output().checkpointEvery() == 0);
        saveState(session);
        decision.ifPresent(d -> act(session, d));
    }

    @Override
    public void onRollback(TrainingSession session, long fromIteration, long toIteration) {
        // The restored checkpoint carries the detector's state as of its iteration.
        detector = new CollapseDetector(session.config().health(), spectra != null);
        restoreState(session);
    }

    /** Pins the newest checkpoint at or before the last healthy iteration. */
    private void updatePin(TrainingSession session, boolean checkpointMayHaveChanged) {
        long healthy = detector.lastHealthy();
        if (healthy == pinnedFor && !checkpointMayHaveChanged) {
            return;
        }
        pinnedFor = healthy;
        session.checkpoints().latestAtOrBefore(healthy)
                .ifPresent(p -> session.checkpoints().pin(CheckpointStore.iterationOf(p)));
    }

    private void saveState(TrainingSession session) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("detector", detector.state());
        state.put("rollbacks", rollbacks);
        session.extraState().put(STATE_KEY, state);
    }

    private void act(TrainingSession session, CollapseDetector.Decision d) {
        HealthConfig h = session.config().health();
        Map<String, Object> record = record(d, h);
        Optional<Path> healthy = session.checkpoints().latestAtOrBefore(d.lastHealthy());
        String where = healthy.map(Path::toString).orElse("(none)");
        switch (h.onCollapse()) {
            case OFF -> {
                return;
            }
            case WARN -> {
                record.put("action", "warn");
                record.put("checkpoint", where);
                LOG.warn("Training collapsed at iteration {}: {}. The last healthy checkpoint is {}; training goes on "
                        + "(health.on_collapse=warn).", d.iteration(), d.summary(), where);
            }
            case STOP -> stop(session, d, record, where, "health.on_collapse=stop");
            case ROLLBACK -> {
                if (rollbacks >= h.maxRollbacks()) {
                    stop(session, d, record, where, "already " + rollbacks + " roll-backs (health.max_rollbacks)");
                } else if (healthy.isEmpty()) {
                    stop(session, d, record, where, "no checkpoint at or before the last healthy iteration "
                            + d.lastHealthy() + " to roll back to");
                } else {
                    rollback(session, d, record, healthy.get(), h);
                }
            }
        }
        append(session.runDir(), record);
    }

    private void stop(TrainingSession session, CollapseDetector.Decision d, Map<String, Object> record, String where,
                      String why) {
        record.put("action", "stop");
        record.put("checkpoint", where);
        record.put("reason", why);
        stopMessage = String.format(Locale.ROOT, "Training collapsed at iteration %d (%s); stopped (%s). "
                + "The last healthy checkpoint is %s (kept); details in %s.", d.iteration(), d.summary(), why, where,
                path(session.runDir()));
        LOG.error(stopMessage);
        stop.request();
    }

    private void rollback(TrainingSession session, CollapseDetector.Decision d, Map<String, Object> record, Path target,
                          HealthConfig h) {
        rollbacks++;
        Map<String, Object> change = new LinkedHashMap<>();
        session.requestRollback(new TrainingSession.RollbackRequest(target, (current, stored) -> {
            // From the lower of the current and the stored learning rate (a spike set after the
            // checkpoint is not inherited; successive roll-backs compound), and the higher D steps.
            double lr = Math.min(current.optimizer().generator().lr(), stored.optimizer().generator().lr());
            int dSteps = Math.max(current.training().dSteps(), stored.training().dSteps());
            List<String> overrides = new ArrayList<>();
            overrides.add("optimizer.generator.lr=" + lr * h.rollbackGeneratorLrFactor());
            overrides.add("training.d_steps=" + (dSteps + h.rollbackDiscriminatorSteps()));
            change.put("optimizer.generator.lr", List.of(current.optimizer().generator().lr(), lr * h.rollbackGeneratorLrFactor()));
            change.put("training.d_steps", List.of(current.training().dSteps(), dSteps + h.rollbackDiscriminatorSteps()));
            TrainConfig changed = ConfigLoader.withOverrides(current, overrides);
            append(session.runDir(), Map.of("iteration", d.iteration(), "time", Instant.now().toString(),
                    "event", "rollback_applied", "to_iteration", CheckpointStore.iterationOf(target),
                    "change", change));
            return changed;
        }));
        record.put("action", "rollback");
        record.put("checkpoint", target.toString());
        record.put("to_iteration", CheckpointStore.iterationOf(target));
        record.put("rollbacks", rollbacks);
        LOG.warn("Training collapsed at iteration {}: {}. Rolling back to {} (roll-back {} of {}), G's learning rate "
                        + "x{}, D steps +{}.", d.iteration(), d.summary(), target, rollbacks, h.maxRollbacks(),
                h.rollbackGeneratorLrFactor(), h.rollbackDiscriminatorSteps());
    }

    private static Map<String, Object> record(CollapseDetector.Decision d, HealthConfig h) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("iteration", d.iteration());
        record.put("time", Instant.now().toString());
        record.put("event", "collapse");
        record.put("last_healthy_iteration", d.lastHealthy());
        List<Map<String, Object>> signals = new ArrayList<>();
        for (CollapseDetector.Reading r : d.readings()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("signal", r.signal());
            s.put("value", Double.isFinite(r.value()) ? r.value() : null);
            s.put("threshold", r.threshold());
            s.put("firing", r.firing());
            s.put("detail", r.detail());
            signals.add(s);
        }
        record.put("signals", signals);
        record.put("summary", d.summary());
        Map<String, Object> thresholds = new LinkedHashMap<>();
        thresholds.put("sigma_ratio", h.sigmaRatio());
        thresholds.put("sigma_ratio_any", h.sigmaRatioAny());
        thresholds.put("d_loss_low", h.dLossLow());
        thresholds.put("d_loss_jump", h.dLossJump());
        thresholds.put("quality_drop", h.qualityDrop());
        thresholds.put("window", h.window());
        thresholds.put("loss_window", h.lossWindow());
        thresholds.put("warmup", h.warmup());
        record.put("thresholds", thresholds);
        return record;
    }

    private static void append(Path runDir, Map<String, ?> record) {
        Path file = path(runDir);
        try {
            Files.createDirectories(runDir);
            Files.writeString(file, JsonLines.line(record) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not append to " + file + ": " + e.getMessage(), e);
        }
    }
}
