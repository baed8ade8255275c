/**
 * The checkpoint room (floor 6): what a run leaves on disk and how it is read back on no trust. The versioned
 * zip format of safetensors groups ({@link org.biggan4j.checkpoint.CheckpointFile}), state dicts, provenance,
 * the run folder's kept checkpoints, stored standing statistics, and export as one safetensors file.
 * Subpackages: torchfile reads PyTorch {@code torch.save} files without executing them; imports converts
 * published BigGAN-PyTorch and BigGAN-deep weights.
 * <p>May use: the rooms below it (floors 1-5); it uses io and tensor, and its imports also config and model.
 * Used by: eval, sample, train, health, dist and cli.
 */
package org.biggan4j.checkpoint;
