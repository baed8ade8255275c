package org.biggan4j.train;

import org.bytedeco.pytorch.Module;

import java.util.Map;

/**
 * What keeps the replicas of a data-parallel job identical through a {@link GanStep}: each
 * process computes its share of every batch, and the step calls these at the points where the
 * replicas must meet. One implementation exists, over c10d ({@code dist.Replicas}); a step
 * without one trains alone.
 */
public interface ReplicaSync {

    /** Held open for one iteration: what is shared during it (cross-replica BatchNorm moments). */
    interface Iteration extends AutoCloseable {
        @Override
        void close();
    }

    /** Opens iteration {@code iteration}; the step closes it when the iteration is done. */
    Iteration begin(long iteration);

    /**
     * Replaces the gradients of {@code network}'s parameters by their mean over the replicas,
     * after all of a network update's backward passes (accumulation, penalties) and before the
     * gradient norm and the optimiser step.
     */
    void averageGradients(Module network);

    /** The iteration's metrics averaged over the replicas (each measured its share of the batch). */
    Map<String, Double> averageMetrics(Map<String, Double> metrics);
}
