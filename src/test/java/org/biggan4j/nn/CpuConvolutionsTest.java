package org.biggan4j.nn;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Output, input gradient and weight gradient of Conv2d and ConvTranspose2d against float64
 * (whose kernels are not oneDNN's), for channel counts that oneDNN's blocked kernels get wrong
 * in libtorch 2.10 on CPU (see {@link CpuConvolutions}) and for aligned ones. Two threads, as
 * training uses; the defect showed with one and with two.
 */
class CpuConvolutionsTest {

    private static final LayerFactory PLAIN = new LayerFactory(false, 1e-4, 1, Init.DEFAULT, false);
    private int threads;

    @BeforeEach
    void twoThreads() {
        threads = torch.get_num_threads();
        torch.set_num_threads(2);
    }

    @AfterEach
    void restoreThreads() {
        torch.set_num_threads(threads);
    }

    private static double relativeError(Tensor actual, Tensor reference) {
        double scale = reference.abs().max().item_double();
        return actual.to(torch.ScalarType.Double).sub(reference).abs().max().item_double() / Math.max(scale, 1e-12);
    }

    private static void check(String what, Tensor x, Tensor w, Tensor y, Tensor xd, Tensor wd, Tensor yd) {
        Tensor g = Tensors.randn(ComputeDevice.CPU, y.sizes().vec().get());
        y.backward(g, null, false, null);
        yd.backward(g.to(torch.ScalarType.Double), null, false, null);
        double ey = relativeError(y, yd);
        double ex = relativeError(x.grad(), xd.grad());
        double ew = relativeError(w.grad(), wd.grad());
        assertTrue(ey < 1e-4 && ex < 1e-4 && ew < 1e-4,
                what + ": relative error output " + ey + ", input gradient " + ex + ", weight gradient " + ew);
    }

    @ParameterizedTest(name = "conv {0} -> {1}, k {2}, stride {3}")
    @CsvSource({"64, 3, 3, 1", "64, 1, 3, 1", "3, 24, 3, 1", "128, 40, 3, 1", "64, 3, 4, 2", "48, 6, 1, 1",
            "3, 64, 3, 1", "64, 64, 3, 1", "32, 16, 3, 1", "24, 24, 3, 1", "24, 12, 3, 1", "40, 16, 3, 1",
            "100, 64, 3, 1", "17, 3, 3, 1", "24, 12, 1, 1"})
    void convolutionMatchesFloat64(int in, int out, int kernel, int stride) {
        Seeds.seedTorch(in * 1000L + out);
        Conv2d conv = PLAIN.conv(in, out, kernel, stride, kernel == 4 ? 1 : kernel / 2, true);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 8, in, 16, 16).requires_grad_(true);
        Tensor y = conv.forward(x);
        Tensor xd = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor wd = conv.rawWeight().detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor yd = torch.conv2d(xd, wd, new TensorOptional(conv.biasOrNull().detach().to(torch.ScalarType.Double)),
                new long[] {stride, stride}, new long[] {kernel == 4 ? 1 : kernel / 2, kernel == 4 ? 1 : kernel / 2},
                new long[] {1, 1}, 1);
        check("conv " + in + "->" + out, x, conv.rawWeight(), y, xd, wd, yd);
    }

    @ParameterizedTest(name = "transposed conv {0} -> {1}, k {2}, stride {3}")
    @CsvSource({"3, 64, 3, 1", "64, 3, 4, 2", "64, 40, 4, 2", "128, 24, 3, 2", "100, 64, 4, 1", "64, 32, 4, 2"})
    void transposedConvolutionMatchesFloat64(int in, int out, int kernel, int stride) {
        Seeds.seedTorch(in * 1000L + out);
        int padding = stride == 2 ? 1 : 0;
        ConvTranspose2d conv = PLAIN.convTranspose(in, out, kernel, stride, padding, false);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 8, in, 8, 8).requires_grad_(true);
        Tensor y = conv.forward(x);
        Tensor xd = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor wd = conv.rawWeight().detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor yd = torch.conv_transpose2d(xd, wd, new TensorOptional(), new long[] {stride, stride},
                new long[] {padding, padding}, new long[] {0, 0}, 1, new long[] {1, 1});
        check("transposed conv " + in + "->" + out, x, conv.rawWeight(), y, xd, wd, yd);
    }
}
