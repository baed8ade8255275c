package org.biggan4j.data;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/**
 * Host bytes to device tensors. The uint8 pixels travel to the device first (a quarter of the
 * bytes of float32) and are converted there: {@code x / 127.5 - 1}, which maps 0 to -1 and 255
 * to exactly 1 (127.5 and 2 are exact in binary floating point).
 */
public final class Batches {

    private Batches() {
    }

    /** {@code n} uint8 CHW images of side {@code resolution} as float32 {@code [n, C, R, R]} in [-1, 1] on {@code device}. */
    public static Tensor images(byte[] pixels, int n, int channels, int resolution, ComputeDevice device) {
        return images(pixels, n, channels, resolution, resolution, device);
    }

    /** As {@link #images(byte[], int, int, int, ComputeDevice)} for {@code height x width} images. */
    public static Tensor images(byte[] pixels, int n, int channels, int height, int width, ComputeDevice device) {
        long numel = (long) n * channels * height * width;
        if (pixels.length < numel) {
            throw new IllegalArgumentException("A batch of " + n + " images of " + channels + "x" + height + "x"
                    + width + " needs " + numel + " bytes, got " + pixels.length + ".");
        }
        byte[] exact = pixels.length == numel ? pixels : Arrays.copyOf(pixels, (int) numel);
        Tensor bytes = Tensors.fromBytes(exact, device, n, channels, height, width); // [N, C, H, W] uint8
        return bytes.to(ScalarType.Float).div_(new Scalar(127.5)).sub_(new Scalar(1.0));
    }

    /** Class indices as an int64 tensor {@code [n]} on {@code device}. */
    public static Tensor labels(long[] labels, ComputeDevice device) {
        return Tensors.fromLongs(labels, device, labels.length);
    }
}
