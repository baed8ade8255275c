/**
 * Reads the tensors of a PyTorch {@code torch.save} state dict (zip container of torch 1.6+ and the legacy
 * tar/pickle one) without Python and without executing anything from the file: the pickle is interpreted only
 * as far as an {@code OrderedDict} of tensors needs.
 * <p>Part of the checkpoint room; uses checkpoint, io, tensor. Used by checkpoint.imports.
 */
package org.biggan4j.checkpoint.torchfile;
