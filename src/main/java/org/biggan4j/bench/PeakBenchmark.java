package org.biggan4j.bench;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine's own ceiling through libtorch, the yardstick for model FLOPs utilisation:
 * a float32 matrix product 2048 x 2048 x 2048, and a 3x3 convolution 128 -> 128 channels on
 * 32 x 128 x 32 x 32 forward and backward (the shape of a BigGAN block at CIFAR scale).
 */
public final class PeakBenchmark {

    /**
     * @param sgemmGflops         2 n^3 / t for n = 2048
     * @param convGflops          forward + backward (input and weight gradients) FLOPs / t
     * @param sgemmSeconds        median seconds of one product
     * @param convSeconds         median seconds of one forward + backward
     */
    public record Result(String device, int threads, double sgemmGflops, double sgemmSeconds, double convGflops,
                         double convSeconds) {
    }

    /** FLOPs of the benchmark convolution's forward pass: 2 x N x Cout x H x W x Cin x 9. */
    public static final double CONV_FORWARD_FLOPS = 2.0 * 32 * 128 * 32 * 32 * 128 * 9;

    private PeakBenchmark() {
    }

    public static Result run(ComputeDevice device, int runs) {
        int n = 2048;
        Tensor a = Tensors.randn(device, n, n);
        Tensor b = Tensors.randn(device, n, n);
        double sgemm = Timing.medianSeconds(device, 2, runs, () -> torch.mm(a, b));

        Tensor x = Tensors.randn(device, 32, 128, 32, 32).requires_grad_(true);
        Tensor w = Tensors.randn(device, 128, 128, 3, 3).mul(new org.bytedeco.pytorch.Scalar(0.03))
                .requires_grad_(true);
        Tensor gradOut = Tensors.randn(device, 32, 128, 32, 32);
        double conv = Timing.medianSeconds(device, 2, runs, () -> {
            Tensor y = torch.conv2d(x, w, new TensorOptional(), new long[] {1, 1}, new long[] {1, 1},
                    new long[] {1, 1}, 1);
            y.backward(gradOut, null, false, null);
            x.grad().zero_();
            w.grad().zero_();
        });
        // Backward computes the input gradient and the weight gradient, each as costly as the forward.
        double convFlops = 3 * CONV_FORWARD_FLOPS;
        return new Result(device.toString(), Engine.threads(), 2.0 * n * n * n / sgemm / 1e9, sgemm,
                convFlops / conv / 1e9, conv);
    }
}
