package org.biggan4j.train.listener;

import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a checkpoint every {@code checkpoint_every} iterations and when the loop ends
 * (normally, or on SIGINT/SIGTERM), so an interrupted run resumes from where it stopped.
 * Metrics other listeners publish through {@link #publish} (FID, class accuracy...) are stored
 * with the checkpoint and decide which one is kept as the best.
 */
public final class CheckpointListener implements TrainingListener {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointListener.class);

    private final Map<String, Double> latest = new LinkedHashMap<>();
    private final Map<String, Long> measuredAt = new LinkedHashMap<>();
    private long lastSaved = -1;

    /** Records a metric to store with the next checkpoint. */
    public void publish(String name, double value) {
        latest.put(name, value);
        measuredAt.remove(name);
    }

    /**
     * Records a metric that measured the weights of {@code iteration} (an evaluation's FID): it is
     * stored only with the checkpoint of that iteration, so that a later checkpoint (the final
     * one of an interrupted run, say) never carries, and is never chosen as best for, figures of
     * other weights.
     */
    public void publish(long iteration, String name, double value) {
        latest.put(name, value);
        measuredAt.put(name, iteration);
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        lastSaved = firstIteration - 1;
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        latest.put("d_loss", metrics.get("d_loss"));
        latest.put("g_loss", metrics.get("g_loss"));
        if (metrics.iteration() % session.config().output().checkpointEvery() == 0) {
            save(session);
        }
    }

    @Override
    public void onRollback(TrainingSession session, long fromIteration, long toIteration) {
        lastSaved = toIteration; // the loop re-writes the restored checkpoint
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        if (lastIteration != lastSaved && lastIteration > 0) {
            Path p = save(session);
            if (interrupted) {
                LOG.info("Stopped at iteration {}; resume with --resume (checkpoint {}).", lastIteration, p);
            }
        }
    }

    private Path save(TrainingSession session) {
        Map<String, Double> finite = new LinkedHashMap<>();
        latest.forEach((k, v) -> {
            Long at = measuredAt.get(k);
            if (Double.isFinite(v) && (at == null || at == session.iteration())) {
                finite.put(k, v);
            }
        });
        Path p = session.saveCheckpoint(finite);
        lastSaved = session.iteration();
        LOG.debug("Checkpoint {}", p);
        return p;
    }
}
