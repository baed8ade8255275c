package org.biggan4j.train;

/**
 * The numbers the step needs (a subset of the training configuration).
 *
 * @param batchSize    images per forward
 * @param dSteps       D updates per G update
 * @param accumulation forwards per optimiser step; gradients are averaged over them, so the
 *                     effective batch is {@code batchSize * accumulation}. BatchNorm in G still
 *                     normalises over {@code batchSize} samples per forward (as in BigGAN-PyTorch's
 *                     accumulation; cross-replica BN is what widens BN's view).
 * @param seed         the run seed; each iteration reseeds libtorch from (seed, iteration)
 * @param bf16         bf16 autocast for forward passes
 */
public record StepSettings(int batchSize, int dSteps, int accumulation, long seed, boolean bf16) {

    public StepSettings {
        if (batchSize <= 0 || dSteps <= 0 || accumulation <= 0) {
            throw new IllegalArgumentException("batch size, D steps and accumulation must be > 0, got "
                    + batchSize + ", " + dSteps + ", " + accumulation + ".");
        }
    }
}
