/**
 * The loss room (floor 5): GAN objectives, one class each behind one interface
 * ({@link org.biggan4j.loss.GanObjective}): hinge (BigGAN eq. 1, margin varied in section 4.2), minimax and
 * non- saturating (Goodfellow et al. 2014), least squares, Wasserstein, energy-based (EBGAN, with pull-away
 * term) and loss-sensitive GAN.
 * <p>May use: the rooms below it (floors 1-4); it uses config and tensor. Used by: train.
 */
package org.biggan4j.loss;
