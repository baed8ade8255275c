/**
 * The sample room (floor 8): turning a trained generator into images. Latent distributions and truncation
 * (BigGAN section 3.1, appendix E), reproducible latent batches, class selection by id or name and soft class
 * mixtures, standing statistics (appendix C), batched sampling in eval mode, interpolation, truncation-sweep
 * and nearest-neighbour sheets (figures 2 and 8), and {@link org.biggan4j.sample.TrainedGenerator}, a
 * generator rebuilt from a checkpoint.
 * <p>May use: the rooms below it (floors 1-7); it uses eval, checkpoint, config, data, model, nn and tensor.
 * Used by: train (train.listener) and cli.
 */
package org.biggan4j.sample;
