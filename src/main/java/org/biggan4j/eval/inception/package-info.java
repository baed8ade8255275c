/**
 * The Inception v3 that FID, KID and the Inception Score are defined on (pytorch-fid's port of
 * the 2015 TensorFlow graph), as biggan4j code: its layout as data, its published state dict read
 * and checked key by key, BatchNorm folded into the convolutions, the TF quirks kept.
 * <p>Part of the eval room; uses eval, checkpoint (the torch.save reader), nn (convolutions), tensor.
 */
package org.biggan4j.eval.inception;
