/**
 * Imports published generator weights into biggan4j checkpoints: BigGAN-PyTorch's {@code G.pth} /
 * {@code G_ema.pth} (ajbrock/BigGAN-PyTorch) and huggingface pytorch-pretrained-BigGAN's BigGAN-deep
 * 128/256/512, each checked key by key against the layout of the generator it maps to, with one-line errors.
 * <p>Part of the checkpoint room; uses checkpoint, checkpoint.torchfile, config, io, model (biggan, deep,
 * zoo), tensor. Used by cli (run, once it exists).
 */
package org.biggan4j.checkpoint.imports;
