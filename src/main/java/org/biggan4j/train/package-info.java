/**
 * The train room (floor 9): one GAN training run inside a process. {@link org.biggan4j.train.GanStep} (n D
 * updates, one G update, the EMA: BigGAN-PyTorch's order), the loop with listeners, the session that holds
 * networks, optimisers and data and saves and restores them, the factory that turns a configuration into all
 * of it, latents, interventions (section 4's experiments) and the replica-sync hook. Subpackages: optim (Adam,
 * RMSProp, SGD with plain-tensor state) and listener (checkpoints, metrics, progress, sample sheets, loss
 * plots, evaluation).
 * <p>May use: every room below (regularize, loss, checkpoint, model, data, config, io, tensor; train.listener
 * also eval, sample, image). Used by: health, dist, bench and cli (run, once it exists).
 */
package org.biggan4j.train;
