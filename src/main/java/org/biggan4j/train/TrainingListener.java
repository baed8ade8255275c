package org.biggan4j.train;

/**
 * Side concerns of the loop (logging, progress, checkpoints, sample sheets, plots, health)
 * are listeners. Contract: callbacks run on the training thread, between steps, outside the
 * step's native-memory scope; a listener that creates tensors opens its own scope. A listener
 * must not change the models' weights (the health issue's interventions go through the session).
 */
public interface TrainingListener {

    /** Before the first iteration of this process (after a resume, {@code firstIteration} > 1). */
    default void onStart(TrainingSession session, long firstIteration) {
    }

    /** After every completed iteration. */
    default void onIteration(TrainingSession session, StepMetrics metrics) {
    }

    /** A step was stopped because a loss or gradient was not finite. */
    default void onNonFinite(TrainingSession session, NonFiniteStepException error) {
    }

    /**
     * The session was rolled back to an earlier checkpoint (after a non-finite step, or by the
     * collapse detector): iterations after {@code toIteration} will be run again, so records of
     * them should be dropped.
     *
     * @param fromIteration the last iteration completed before the roll-back
     * @param toIteration   the iteration of the checkpoint restored
     */
    default void onRollback(TrainingSession session, long fromIteration, long toIteration) {
    }

    /**
     * After the loop ended, normally or because a stop was requested (SIGINT/SIGTERM).
     *
     * @param lastIteration the last completed iteration
     * @param interrupted   true when the run stopped before its last iteration
     */
    default void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
    }
}
