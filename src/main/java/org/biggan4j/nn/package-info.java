/**
 * The nn room (floor 3): the layers the architectures are built from, as libtorch modules. Spectral
 * normalisation by power iteration (Miyato et al. 2018) on conv, transposed-conv, linear and embedding
 * weights, class-conditional BatchNorm with standing statistics (BigGAN section 3, appendix C), SA-GAN self-
 * attention, initialisation schemes, the {@link org.biggan4j.nn.LayerFactory} that injects them into blocks
 * (BigGAN-PyTorch's {@code which_conv}), FLOP counting, the oneDNN workaround for CPU convolutions, and
 * {@link org.biggan4j.nn.SubspaceSpectrum} (top singular values for the section 4.1 spectra).
 * <p>May use: tensor. Used by: config, model, regularize, sample, health, dist, bench and cli.
 */
package org.biggan4j.nn;
