package org.biggan4j.data;

import org.bytedeco.pytorch.Tensor;

/**
 * One batch on the consumer's device. The tensors belong to the caller (created in the caller's
 * thread and {@code PointerScope}, if any).
 *
 * @param images   {@code [B, C, H, W]} float32 in [-1, 1]
 * @param labels   {@code [B]} int64 class indices
 * @param indices  the dataset index of each image (after any replacement of unreadable images)
 * @param position the loader position just after this batch (store it in a checkpoint to resume
 *                 with the next batch); {@code null} for batches not made by a {@link DataLoader}
 */
public record Batch(Tensor images, Tensor labels, int[] indices, LoaderPosition position) {

    /** Number of images. */
    public int size() {
        return indices.length;
    }
}
