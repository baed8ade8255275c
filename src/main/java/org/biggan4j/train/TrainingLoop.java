package org.biggan4j.train;

import org.biggan4j.tensor.NativeMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * The loop around {@link GanStep}: each iteration runs inside its own native-memory scope,
 * is timed, and is handed to the listeners. Non-finite steps go to the session's policy
 * (stop, or roll back to the last good checkpoint and continue).
 */
public final class TrainingLoop {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    /** Roll-backs allowed in a row without progress before the run gives up. */
    private static final int MAX_ROLLBACKS = 3;

    private final TrainingSession session;
    private final List<TrainingListener> listeners;
    private final StopSignal stop;

    public TrainingLoop(TrainingSession session, List<TrainingListener> listeners, StopSignal stop) {
        this.session = session;
        this.listeners = List.copyOf(listeners);
        this.stop = stop;
    }

    /**
     * Trains from the session's current iteration to its last.
     *
     * @return the last completed iteration
     * @throws NonFiniteStepException when the policy is to stop, or roll-backs do not help
     */
    public long run() {
        long last = session.iteration();
        long end = session.config().training().iterations();
        listeners.forEach(l -> l.onStart(session, session.iteration() + 1));
        int rollbacksWithoutProgress = 0;
        long lastRollbackTarget = -1;
        try {
            while (session.iteration() < end && !stop.requested()) {
                long iteration = session.iteration() + 1;
                long start = System.nanoTime();
                StepMetrics metrics;
                try {
                    metrics = NativeMemory.scoped(() -> session.step().run(iteration));
                } catch (NonFiniteStepException e) {
                    LOG.error("{}", e.getMessage());
                    listeners.forEach(l -> l.onNonFinite(session, e));
                    long target = session.recoverFromNonFinite(e);
                    listeners.forEach(l -> l.onRollback(session, e.iteration() - 1, target));
                    rollbacksWithoutProgress = target == lastRollbackTarget ? rollbacksWithoutProgress + 1 : 1;
                    lastRollbackTarget = target;
                    if (rollbacksWithoutProgress > MAX_ROLLBACKS) {
                        throw new NonFiniteStepException(e.iteration(), e.term() + " (still after "
                                + MAX_ROLLBACKS + " roll-backs to iteration " + target + ")", Double.NaN);
                    }
                    continue;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                session.advance(iteration);
                last = iteration;
                StepMetrics timed = metrics.with(Map.of("seconds", seconds,
                        "images_per_sec", session.imagesPerIteration() / seconds));
                for (TrainingListener l : listeners) {
                    l.onIteration(session, timed);
                }
                TrainingSession.RollbackRequest request = session.takeRollbackRequest();
                if (request != null) {
                    TrainingSession.Rollback done = session.rollBack(request);
                    listeners.forEach(l -> l.onRollback(session, done.fromIteration(), done.toIteration()));
                    // Re-written with the changed configuration (and the listeners' state after the
                    // roll-back), so that a resume from here keeps the change.
                    session.saveCheckpoint(done.metrics());
                }
            }
            boolean interrupted = session.iteration() < end;
            last = session.iteration();
            for (TrainingListener l : listeners) {
                l.onEnd(session, last, interrupted);
            }
            return last;
        } finally {
            stop.markFinished();
        }
    }
}
