package org.biggan4j.train;

/**
 * Where the step draws real batches from. Contract: {@link #next()} is called on the training
 * thread inside the step's {@code PointerScope}; the tensors it returns belong to that scope.
 */
@FunctionalInterface
public interface BatchSource {

    /** The next batch of {@code batchSize} images, on the training device. */
    RealBatch next();
}
