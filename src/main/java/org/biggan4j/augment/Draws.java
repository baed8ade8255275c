package org.biggan4j.augment;

import org.biggan4j.tensor.SampleNoise;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-sample random numbers for the augmentations, all through {@link SampleNoise} (so a replica
 * keeps its own rows of a draw for the global batch), in the images' dtype and on their device.
 */
final class Draws {

    private Draws() {
    }

    /** U[0, 1) of shape {@code [batch, k]}. */
    static Tensor uniform(long batch, long k, TensorOptions options) {
        return SampleNoise.rand(new long[] {batch, k}, options);
    }

    /** N(0, 1) of shape {@code [batch, k]}. */
    static Tensor normal(long batch, long k, TensorOptions options) {
        return SampleNoise.randnLike(torch.empty(new long[] {batch, k}, options, new MemoryFormatOptional()));
    }

    /** Integers uniform on {@code [low, high]} (both included) of shape {@code [batch, k]}, as longs. */
    static Tensor integers(long batch, long k, long low, long high, TensorOptions options) {
        // floor(u * n) for u in [0, 1) lies in [0, n - 1]; u * n < n holds in float for the n used here.
        return uniform(batch, k, options).mul(s(high - low + 1)).floor().to(torch.ScalarType.Long).add(whole(low));
    }

    /** Options for long (index) tensors on {@code like}'s device. */
    static TensorOptions longs(Tensor like) {
        return like.options().dtype(new ScalarTypeOptional(torch.ScalarType.Long));
    }

    /** A floating-point scalar. */
    static Scalar s(double value) {
        return new Scalar(value);
    }

    /** An integer scalar (a floating one would promote an integer tensor to floating point). */
    static Scalar whole(long value) {
        return new Scalar(value);
    }
}
