package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;

/**
 * The batch in which evaluation runs G (and the feature network after it): as large as helps,
 * no larger. Evaluation images do not depend on it: G is in eval mode (its BatchNorm uses
 * stored or standing statistics, never the batch's own) and latents are drawn before batching.
 *
 * <p>Why not the training batch: on a CPU with the allocator keeping its pages (see the README's
 * "Memory allocator"), per-image time falls with the batch until the largest feature maps of a
 * batch outgrow the caches: fmnist-demo's G (32 px) samples about 1.3-1.5x more images per second
 * at batch 128-500 than at its training batch 32, while BigGAN-deep 128 is fastest per image at
 * batch 8 to 16 (measured with {@code bench sample}, 2026-12-06). So the batch shrinks with the
 * square of the resolution: 256 images at 32 px, 64 at 64 px, 16 at 128 px, 4 at 256 px, 1 at
 * 512 px. A GPU wants larger batches and has the memory for 4x these, up to 256.
 */
public final class EvaluationBatch {

    /** The largest evaluation batch on any device. */
    public static final int MAX = 256;

    private EvaluationBatch() {
    }

    /** The batch for a generator of {@code resolution} px on {@code device}. */
    public static int of(int resolution, ComputeDevice device) {
        if (resolution < 1) {
            throw new IllegalArgumentException("A resolution is at least 1 px, got " + resolution + ".");
        }
        double pixelsRatio = (32.0 / resolution) * (32.0 / resolution);
        double batch = MAX * pixelsRatio * (device.isCuda() ? 4 : 1);
        return (int) Math.max(1, Math.min(MAX, Math.floor(batch)));
    }

    /**
     * Near-equal batches of at most {@link #of} that cover {@code n} images: the size of each
     * (so a loader that drops a last partial batch loses at most a few images).
     */
    public static int splitting(int n, int resolution, ComputeDevice device) {
        int max = of(resolution, device);
        return n / ((n + max - 1) / max);
    }
}
