package org.biggan4j.train;

import org.bytedeco.pytorch.Tensor;

/**
 * Draws the generator's inputs during training: latents and the classes to condition on.
 * Contract: tensors are created on the training device from libtorch's seeded generator, so
 * the step's per-iteration reseeding makes them reproducible.
 */
public interface LatentSource {

    /** Latents {@code [batch, latentDim]}. */
    Tensor latents(int batch);

    /** Class ids {@code [batch]} drawn uniformly (as BigGAN does), or {@code null} when unconditional. */
    Tensor classes(int batch);
}
