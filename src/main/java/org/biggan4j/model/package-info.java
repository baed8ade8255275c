/**
 * The model room (floor 5): the networks, holding only parameters and buffers. The
 * {@link org.biggan4j.model.Generator} and {@link org.biggan4j.model.Discriminator} contracts, the
 * {@link org.biggan4j.model.ModelSpec} that sizes them, and parameter counting; the architectures live in the
 * subpackages biggan (BigGAN, SNGAN, SA-GAN), deep (BigGAN-deep), dcgan (DCGAN, EBGAN's auto-encoder), mlp
 * (toy data), and zoo builds them by name.
 * <p>May use: the rooms below it (floors 1-4); it uses config, nn, io and tensor. Used by: regularize,
 * checkpoint, eval, sample, train and cli.
 */
package org.biggan4j.model;
