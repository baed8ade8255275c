/**
 * BigGAN's generator and discriminator (Brock et al. 2019, section 3 and appendix B, figure 15 blocks;
 * architecture tables 4-6 as data), which with other tables and switches are also the SNGAN and SA-GAN
 * ResNets; hierarchical z, shared class embedding, projection discriminator (Miyato &amp; Koyama 2018).
 * <p>Part of the model room; uses model, config, nn, tensor. Used by model.zoo (and checkpoint.imports' layout
 * of BigGAN-PyTorch weights).
 */
package org.biggan4j.model.biggan;
