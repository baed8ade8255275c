package org.biggan4j.bench;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine's own ceiling through libtorch, the yardstick for model FLOPs utilisation:
 * a float32 matrix product 2048 x 2048 x 2048, and a 3x3 convolution 128 -> 128 channels on
 * 32 x 128 x 32 x 32 forward and backward (the shape of a BigGAN block at CIFAR scale), in
 * float32 and in bfloat16 (channels-last, as {@code training.bf16} runs it), so that a bf16
 * run's utilisation is measured against a bf16 ceiling.
 */
public final class PeakBenchmark {

    /**
     * @param sgemmGflops         2 n^3 / t for n = 2048
     * @param convGflops          forward + backward (input and weight gradients) FLOPs / t
     * @param sgemmSeconds        median seconds of one product
     * @param convSeconds         median seconds of one forward + backward
     * @param convBf16Gflops      the same convolution in bfloat16
     * @param convBf16Seconds     its median seconds
     */
    public record Result(String device, int threads, double sgemmGflops, double sgemmSeconds, double convGflops,
                         double convSeconds, double convBf16Gflops, double convBf16Seconds) {

        /** The convolution peak of the precision a run computes in. */
        public double convGflops(boolean bf16) {
            return bf16 ? convBf16Gflops : convGflops;
        }
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

        double conv = convolutionSeconds(device, runs, torch.ScalarType.Float, false);
        double convBf16 = convolutionSeconds(device, runs, torch.ScalarType.BFloat16, true);
        // Backward computes the input gradient and the weight gradient, each as costly as the forward.
        double convFlops = 3 * CONV_FORWARD_FLOPS;
        return new Result(device.toString(), Engine.threads(), 2.0 * n * n * n / sgemm / 1e9, sgemm,
                convFlops / conv / 1e9, conv, convFlops / convBf16 / 1e9, convBf16);
    }

    private static double convolutionSeconds(ComputeDevice device, int runs, torch.ScalarType type,
                                             boolean channelsLast) {
        Tensor x = Tensors.randn(device, 32, 128, 32, 32).to(type);
        Tensor w = Tensors.randn(device, 128, 128, 3, 3).mul(new Scalar(0.03)).to(type);
        Tensor gradOut = Tensors.randn(device, 32, 128, 32, 32).to(type);
        if (channelsLast) {
            x = x.contiguous(torch.MemoryFormat.ChannelsLast);
            gradOut = gradOut.contiguous(torch.MemoryFormat.ChannelsLast);
        }
        Tensor input = x.requires_grad_(true);
        Tensor weight = w.requires_grad_(true);
        Tensor g = gradOut;
        return Timing.medianSeconds(device, 2, runs, () -> {
            Tensor y = torch.conv2d(input, weight, new TensorOptional(), new long[] {1, 1}, new long[] {1, 1},
                    new long[] {1, 1}, 1);
            y.backward(g, null, false, null);
            input.grad().zero_();
            weight.grad().zero_();
        });
    }
}
