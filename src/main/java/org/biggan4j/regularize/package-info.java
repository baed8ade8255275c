/**
 * The regularize room (floor 6): stabilisers that compose with any objective through the hooks of
 * {@link org.biggan4j.regularize.Regularizer}: WGAN-GP's gradient penalty, R1 (BigGAN section 4.2), weight
 * clipping, instance noise, BigGAN's orthogonal regularisation (section 3.1, eq. 3) and sigma_0 conditioning
 * (section 4.1).
 * <p>May use: the rooms below it (floors 1-5); it uses config, model, nn and tensor. Used by: train.
 */
package org.biggan4j.regularize;
