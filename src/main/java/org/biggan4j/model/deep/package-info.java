/**
 * BigGAN-deep (Brock et al. 2019, appendix B, figure 16, tables 7-9): bottleneck blocks, laid out as the
 * published TF Hub / pytorch-pretrained-BigGAN models so their weights map one to one, with truncation-indexed
 * BatchNorm statistics, and its parameter counts from the tables.
 * <p>Part of the model room; uses model, nn, tensor. Used by model.zoo and checkpoint.imports.
 */
package org.biggan4j.model.deep;
