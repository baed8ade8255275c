/**
 * The dist room (floor 10): data-parallel training over PyTorch's c10d (Gloo or NCCL), as BigGAN trains.
 * Process groups joined by launcher variables, a local launcher for {@code --nproc}, gradient averaging
 * through DDP's reducer, cross-replica BatchNorm moments (BigGAN section 3), sharded latents, agreed stops and
 * a replica consistency check; {@link org.biggan4j.train.ReplicaSync} is the hook it implements.
 * <p>May use: train and every room below it. Used by: cli (run, once it exists).
 */
package org.biggan4j.dist;
