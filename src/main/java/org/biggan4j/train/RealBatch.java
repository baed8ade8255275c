package org.biggan4j.train;

import org.bytedeco.pytorch.Tensor;

/**
 * One batch of training data on the training device.
 *
 * @param images  {@code [B, C, H, W]} float32 in [-1, 1]
 * @param classes {@code [B]} int64 class ids, or {@code null} for unconditional training
 */
public record RealBatch(Tensor images, Tensor classes) {
}
