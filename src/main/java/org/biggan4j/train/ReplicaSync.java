package org.biggan4j.train;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

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
     * Runs {@code loss.backward()} for one micro-batch of {@code network}'s update. The update's
     * last backward ({@code last}) also leaves every parameter gradient of {@code network}
     * replaced by its mean over the replicas (what this and the earlier micro-batches
     * accumulated), before the step takes the gradient norm and the optimiser steps. Earlier
     * backwards only accumulate locally, as DistributedDataParallel's {@code no_sync}.
     */
    void backward(Module network, Tensor loss, boolean last);

    /** The iteration's metrics averaged over the replicas (each measured its share of the batch). */
    Map<String, Double> averageMetrics(Map<String, Double> metrics);
}
