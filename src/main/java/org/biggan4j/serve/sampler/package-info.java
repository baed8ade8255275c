/**
 * The interactive sampler of {@code biggan4j serve}: a page at {@code /sampler} and a JSON API under
 * {@code /api/sampler/} ({@link org.biggan4j.serve.sampler.SamplerRoutes}) to pick a checkpoint,
 * find classes by name, and generate samples, class or latent interpolations (BigGAN figure 8) and
 * two-class mixtures with G_ema. Images are made by the run room's
 * {@link org.biggan4j.run.SamplingJob} (the code of {@code biggan4j sample}), so every answer comes
 * with the {@code biggan4j sample} command that writes the same pixels. One worker thread runs one
 * request at a time ({@link org.biggan4j.serve.sampler.SamplerWorker}: a page's new request
 * cancels its previous one, a page that goes away cancels its own), with a small cache of loaded
 * generators ({@link org.biggan4j.serve.sampler.ModelCache}) whose native memory is freed on eviction.
 * <p>Part of the serve room (floor 12); uses run, sample, checkpoint, image, tensor. Used by the
 * dashboard server and cli.
 */
package org.biggan4j.serve.sampler;
