/**
 * The listeners of a training run, each a side concern of the loop: checkpoints every N iterations and on
 * SIGINT/SIGTERM, metrics to JSON lines and CSV, the progress bar, sample sheets from fixed latents, loss
 * plots, and a cheap FID proxy during training.
 * <p>Part of the train room; uses train and, below it, sample, eval (and its classifier and torchscript
 * networks), image, data, model, config, io, tensor. Used by health and cli (the run room's standard preset).
 */
package org.biggan4j.train.listener;
