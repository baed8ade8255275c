/**
 * The eval room (floor 7): sample-quality metrics and the feature networks they run on. FID and intra-class
 * FID, Inception Score, improved precision and recall (Kynk&auml;&auml;nniemi et al. 2019), density and
 * coverage (Naeem et al. 2020), classifier accuracy and the discriminator memorisation test of BigGAN section
 * 4.2, streamed batch by batch through a {@link org.biggan4j.eval.FeatureExtractor} (SPEC section 5).
 * Subpackages: classifier (the bundled small classifier), reference (cached real-image features), torchscript
 * (a user's network).
 * <p>May use: the rooms below it (floors 1-6); it uses config, data, model, io and tensor, and its classifier
 * checkpoint. Used by: sample, train (train.listener) and cli.
 */
package org.biggan4j.eval;
