/**
 * The bundled feature network for datasets without an Inception network: a small convolutional classifier (as
 * BigGAN section 5.2 evaluates its JFT-300M models with a classifier trained on that data), its training, and
 * its file (safetensors with metadata saying what it was trained on and its test accuracy).
 * <p>Part of the eval room; uses eval, checkpoint, data, io, tensor. Used by train.listener and cli.
 */
package org.biggan4j.eval.classifier;
