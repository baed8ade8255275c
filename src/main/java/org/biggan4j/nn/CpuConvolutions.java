package org.biggan4j.nn;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Convolutions that avoid a silent oneDNN defect in the libtorch 2.10 CPU build of the JavaCPP
 * presets.
 *
 * <p>Measured on the development machine (AMD EPYC with AVX-512, also with
 * {@code ONEDNN_MAX_CPU_ISA=AVX2}, with 1 and 2 threads): the oneDNN path of {@code conv2d}
 * returns a wrong input gradient whenever the number of output channels is not a multiple of 16
 * (1, 3, 8, 12, 24, 40 all fail, 16, 32, 48, 64, 128 pass; relative error 0.2 to 1.0, different
 * from run to run with 2 threads, sometimes NaN), while the forward pass and the weight gradient
 * are right (for the input-channel counts tried then; see below). {@code conv_transpose2d} is
 * worse: wrong forwards when the input has 3 channels, and wrong input gradients when the output channel count is not a multiple of 16, through both the
 * oneDNN and the "slow" kernels. The adjoint identity {@code <conv(d), g> = <d, dx>} exposes it
 * without any reference implementation. Every RGB or grayscale GAN has such a layer (G's last
 * convolution), so without this class G trains on garbage gradients.
 *
 * <p>The forward pass is wrong too, in another case: kernels larger than 1x1 with more than 16
 * input channels that are not a multiple of 16 (see {@link #inputNeedsWorkaround}); such inputs
 * and weights are padded with zero channels to the next multiple of 16 first.
 *
 * <p>Workaround, on CPU only: when autograd will need the input gradient of a convolution whose
 * output channels are not a multiple of 16, its weight is padded with zero filters up to the
 * next multiple and the extra output channels are cut off again; oneDNN computes aligned shapes
 * correctly, the zero filters contribute nothing to the input gradient, and the cut receives a
 * zero gradient. On the layers where it matters (G's last convolution, 64 or 96 channels to 1
 * or 3) this costs about what the unpadded call does (35 vs 36 ms for 64 -> 3 at 32 px, batch
 * 32), where libtorch's im2col kernel ({@code thnn_conv2d}, also correct) took 10x longer.
 * Forward-only calls (G under no-grad in D steps, sampling) need no workaround. A transposed
 * convolution with input or output channels not a multiple of 16 runs in float64, whose kernels
 * are not oneDNN's, and is cast back (only DCGAN's first and last layers).
 * {@code CpuConvolutionsTest} checks outputs and both gradients of the layers against float64 for
 * aligned and unaligned channel counts; drop this class when libtorch's own kernels pass it.
 *
 * <p><b>Channels-last.</b> CPU convolutions run on channels-last (NHWC) activations: the input
 * is made channels-last (a no-op after the first layer, since convolutions then return
 * channels-last outputs and elementwise ops, pooling and nearest upsampling keep the layout).
 * oneDNN's NHWC kernels are faster here (a 256 -> 256 3x3 convolution at 32x32, batch 50: forward
 * 300 instead of 530 ms, forward and backward 0.85 instead of 1.3 s) and get far fewer cases
 * wrong: a scan of 1 to 300 output channels against float64 found every 3x3 and 4x4/stride-2
 * case right (including the input-channel and 100 -> 64 stride-2 cases that are wrong in NCHW),
 * and only one defect, in the forward of 1x1 kernels with more than 32 output channels that are
 * not a multiple of 32 (33-45, 65-80, 97-112, ...), whose filters are padded to the next multiple
 * of 32. A one-channel float input to a stride-1 layer with aligned outputs (D's first layer on
 * gray images) is restrided as NHWC (a view) so that its output is channels-last too; other
 * one-channel inputs keep the NCHW route and its workarounds.
 * {@code -Dbiggan4j.cpu.conv_layout=contiguous} selects the NCHW route instead, for comparison.
 *
 * <p><b>bf16</b> (autocast, {@code training.bf16}): oneDNN's bf16 kernels are 2.5 to 4 times faster
 * here and have defects of their own: NHWC input gradients are wrong for 1 and 3 output channels
 * (relative error 0.5 to infinity), and a one-channel input is wrong in every way. Such filters are
 * padded to 16 outputs, such inputs to 16 channels. Checked against float64 within bf16's precision.
 */
public final class CpuConvolutions {

    /** oneDNN's AVX-512 channel block: aligned channel counts are computed correctly. */
    static final long BLOCK = 16;

    /** Output-channel block of oneDNN's NHWC 1x1 kernels, whose partial last block is wrong above one block. */
    static final long POINTWISE_BLOCK = 32;

    /** Whether CPU convolutions run on channels-last activations (the default; see the class comment). */
    static final boolean CHANNELS_LAST = !"contiguous".equals(System.getProperty("biggan4j.cpu.conv_layout"));

    private CpuConvolutions() {
    }

    /**
     * Whether a CPU convolution with {@code outChannels} outputs must be padded: only when its
     * input gradient will be computed.
     */
    static boolean convNeedsWorkaround(Tensor x, long outChannels) {
        return outChannels % BLOCK != 0 && x.device().is_cpu() && x.requires_grad()
                && GradMode.is_enabled();
    }

    /** Whether a CPU transposed convolution must avoid libtorch's float32 kernels. */
    static boolean transposedNeedsWorkaround(Tensor x, long inChannels, long outChannels) {
        return x.device().is_cpu() && (inChannels % BLOCK != 0 || outChannels % BLOCK != 0);
    }

    /**
     * Whether a CPU convolution must have its input channels padded: oneDNN's forward (and so
     * everything after it) is wrong for kernels larger than 1x1 whose input channels exceed one
     * block without being a multiple of it (17 to 31, 33 to 47, ...; relative error 0.1 to 0.6 at
     * every spatial size, batch and thread count tried), while up to 16 input channels and 1x1
     * kernels are right. BigGAN at ch 96 is aligned everywhere; narrow test models (ch 6: 24 and
     * 12 channels at 32 and 64 px) are not.
     */
    static boolean inputNeedsWorkaround(Tensor x, Tensor weight) {
        long in = weight.size(1);
        return x.device().is_cpu() && in > BLOCK && in % BLOCK != 0 && (weight.size(2) > 1 || weight.size(3) > 1);
    }

    /** Whether the convolution of {@code x} computes in bfloat16: a bf16 input, or a float one under CPU autocast. */
    static boolean runsInBf16(Tensor x) {
        torch.ScalarType type = Tensors.dtype(x);
        return type == torch.ScalarType.BFloat16
                || type == torch.ScalarType.Float && torch.is_autocast_enabled(torch.DeviceType.CPU);
    }

    /**
     * {@code conv2d} with dilation 1 and one group, in the layout selected for this process; the
     * entry point for networks that hold their own weights (for example the FID Inception).
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
        return conv2d(x, weight, bias, stride, padding, CHANNELS_LAST);
    }

    /**
     * {@code conv2d} with dilation 1 and one group; {@code channelsLast} selects the NHWC route for
     * CPU inputs with more than one channel (oneDNN treats a one-channel input as NCHW).
     */
    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding, boolean channelsLast) {
        boolean bf16 = x.device().is_cpu() && runsInBf16(x);
        if (channelsLast && bf16 && x.size(1) == 1) {
            // A one-channel bf16 input is wrong in the NCHW route (outputs and input gradients):
            // zero channels up to a block make it an ordinary NHWC input.
            x = torch.constant_pad_nd(x, new long[] {0, 0, 0, 0, 0, BLOCK - 1}, new Scalar(0.0));
            weight = torch.constant_pad_nd(weight, new long[] {0, 0, 0, 0, 0, BLOCK - 1}, new Scalar(0.0));
        }
        if (channelsLast && x.device().is_cpu() && x.size(1) > 1) {
            return channelsLastConv2d(x.contiguous(torch.MemoryFormat.ChannelsLast), weight, bias, stride, padding,
                    bf16);
        }
        if (channelsLast && x.device().is_cpu() && !bf16 && x.size(1) == 1 && weight.size(0) % BLOCK == 0
                && stride[0] == 1 && stride[1] == 1) {
            // A one-channel input has the same bytes in both layouts, but libtorch reads its
            // contiguous strides as NCHW and oneDNN then returns an NCHW output, which the next
            // layer copies to NHWC (forward and backward: at D's first block of fmnist-demo a
            // 16 MB copy each way per D step). Restrided as NHWC (a view: no copy), the layer
            // returns channels-last like every other one. Only stride 1 with aligned outputs: the
            // NHWC input gradient of 1 -> 24, 4x4, stride 2 is wrong (CpuConvolutionsTest).
            Tensor nhwc = x.contiguous().reshape(x.size(0), x.size(2), x.size(3), 1).permute(0, 3, 1, 2);
            // The weight gradient then comes back with the NHWC strides of a one-input-channel
            // filter; seen through this view of the same bytes, autograd hands the parameter a
            // gradient with its own (contiguous) strides, as the data-parallel Reducer expects.
            long kh = weight.size(2);
            long kw = weight.size(3);
            Tensor w = weight.as_strided(weight.sizes().vec().get(), new long[] {kh * kw, 1, kw, 1});
            return channelsLastConv2d(nhwc, w, bias, stride, padding, false);
        }
        if (inputNeedsWorkaround(x, weight)) {
            // Zero input channels (and zero filter taps for them) change no output value.
            long in = weight.size(1);
            long padded = (in + BLOCK - 1) / BLOCK * BLOCK;
            x = torch.constant_pad_nd(x, new long[] {0, 0, 0, 0, 0, padded - in}, new Scalar(0.0));
            weight = torch.constant_pad_nd(weight, new long[] {0, 0, 0, 0, 0, padded - in}, new Scalar(0.0));
        }
        TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias);
        long out = weight.size(0);
        if (convNeedsWorkaround(x, out)) {
            return paddedOutputs(x, weight, bias, stride, padding, BLOCK);
        }
        return torch.conv2d(x, weight, b, stride, padding, new long[] {1, 1}, 1);
    }

    private static Tensor channelsLastConv2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding,
                                             boolean bf16) {
        long out = weight.size(0);
        boolean pointwise = weight.size(2) == 1 && weight.size(3) == 1;
        if (pointwise && crashesOneDnnPointwise(weight.size(1), out, needsInputGradient(x))) {
            return pointwiseAsMatrixProduct(x, weight, bias, stride, padding);
        }
        if (pointwise && out > POINTWISE_BLOCK && out % POINTWISE_BLOCK != 0) {
            return paddedOutputs(x, weight, bias, stride, padding, POINTWISE_BLOCK);
        }
        if (bf16 && out < BLOCK && x.requires_grad() && GradMode.is_enabled()) {
            // bf16 NHWC input gradients are wrong for 1 and 3 output channels (G's last layer).
            return paddedOutputs(x, weight, bias, stride, padding, BLOCK);
        }
        TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias);
        return torch.conv2d(x, weight, b, stride, padding, new long[] {1, 1}, 1);
    }

    /**
     * The (input, output) channel pairs of the channels-last 1x1 convolutions that kill the process
     * with SIGFPE in oneDNN 3.7.1 (libtorch 2.10) on machines whose CPUID hides the cache sizes.
     *
     * <p>Root cause: {@code brg_blocking_t::est_eff_1x1} has a special case for exactly these
     * pairs (a "maskrcnn workaround" keyed on ic/oc) that divides, in integers, by the number of
     * register blocks in a spatial block; oneDNN sizes those blocks from the L1 cache, which it reads
     * from CPUID leaf 0x8000001D on AMD. Hypervisors that zero that leaf (this machine's does, and
     * does not advertise topoext) make Xbyak report a 1-byte L1, so no register block "fits", the
     * largest one is chosen for every candidate, small spatial blocks hold none, and the division
     * is by zero ({@code idiv} at est_eff_1x1+0xa22). Any other pair divides in float and survives.
     *
     * <p>Measured here with {@code PointwiseConvolutionScan} (a child JVM per crash), NHWC, no
     * padding: every channel pair of {64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072} at 16x16,
     * batch 2, 2 threads, and {496, 528, 1008, 1040, 2032, 2064} around the listed ones: only these
     * five crash, in float32 and bf16, stride 1 and 2. The input gradient is computed by the forward
     * kernel with the channels swapped, so (2048, 1024), (1024, 512), ... crash in backward. The
     * weight gradient never crashed. Whether a size crashes follows the blocking heuristics, which
     * weigh batch, height x width and threads: with 2 and 4 threads batch 8 crashes from 2x2 on and
     * batch 1 from 8x8 on (6x6 does not); with 1 thread batch 16 at 8x8 crashes while batch 8 at
     * 32x32 and batch 2 at 64x64 do not. BigGAN-deep's bottleneck blocks at ch 128 (2048 = 16 ch,
     * 512 = C/4) meet it at every resolution. The guard takes every size and thread count, since the
     * boundary moves with them, and the matrix product is not slower (1 thread, where the convolution
     * survives: 1024 -> 2048 at 16x16, batch 8: 318 instead of 657 ms; 512 -> 2048 at 32x32, batch 8:
     * 1010 instead of 1100 ms; 256 -> 1024 at 64x64, batch 4: 610 instead of 874 ms).
     */
    private static final long[][] ONEDNN_POINTWISE_CRASHES = {{1024, 2048}, {1024, 512}, {256, 1024}, {512, 1024},
        {512, 2048}};

    /**
     * Whether a channels-last 1x1 convolution from {@code in} to {@code out} channels would reach the
     * oneDNN crash described at {@link #ONEDNN_POINTWISE_CRASHES}: its forward, or, when
     * {@code inputGradient}, its input gradient (the same kernel with the channels swapped).
     */
    static boolean crashesOneDnnPointwise(long in, long out, boolean inputGradient) {
        for (long[] pair : ONEDNN_POINTWISE_CRASHES) {
            if (pair[0] == in && pair[1] == out || inputGradient && pair[0] == out && pair[1] == in) {
                return true;
            }
        }
        return false;
    }

    private static boolean needsInputGradient(Tensor x) {
        return x.requires_grad() && GradMode.is_enabled();
    }

    /**
     * A 1x1 convolution of a channels-last input as one matrix product, with no oneDNN convolution
     * primitive involved: {@code [B, H, W, C]} is already a {@code [B*H*W, C]} row-major matrix, so
     * the product with the {@code [C, out]} weight, viewed back as {@code [B, out, H, W]}, is again
     * channels-last, and nothing is copied for stride 1 without padding (the blocks' 1x1 layers).
     * Autograd differentiates the product (matrix products, no convolution kernel), and autocast
     * runs it in bf16 like the convolution.
     */
    private static Tensor pointwiseAsMatrixProduct(Tensor x, Tensor weight, Tensor bias, long[] stride,
                                                   long[] padding) {
        if (padding[0] != 0 || padding[1] != 0) {
            // constant_pad_nd pads the last dimension first: {W, W, H, H}.
            x = torch.constant_pad_nd(x, new long[] {padding[1], padding[1], padding[0], padding[0]},
                    new Scalar(0.0));
        }
        if (stride[0] != 1 || stride[1] != 1) {
            // A 1x1 kernel with stride s reads every s-th row and column from the first one.
            x = x.slice(2, new LongOptional(0), new LongOptional(x.size(2)),
                    stride[0]).slice(3, new LongOptional(0),
                    new LongOptional(x.size(3)), stride[1]);
        }
        long batch = x.size(0);
        long in = x.size(1);
        long height = x.size(2);
        long width = x.size(3);
        long out = weight.size(0);
        Tensor rows = x.permute(0, 2, 3, 1).reshape(batch * height * width, in); // [B*H*W, in]
        Tensor filters = weight.reshape(out, in).t(); // [in, out]
        Tensor y = bias == null ? rows.matmul(filters) : torch.addmm(bias, rows, filters); // [B*H*W, out]
        return y.view(batch, height, width, out).permute(0, 3, 1, 2); // [B, out, H, W], channels-last
    }

    /**
     * The convolution with zero filters appended up to a multiple of {@code block} output
     * channels, then cut back: the extra channels change no other output and get a zero gradient.
     */
    private static Tensor paddedOutputs(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding,
                                        long block) {
        long out = weight.size(0);
        long padded = (out + block - 1) / block * block;
        // constant_pad_nd pads the last dimension first: {W, W, H, H, in, in, out, out}.
        Tensor w = torch.constant_pad_nd(weight, new long[] {0, 0, 0, 0, 0, 0, 0, padded - out}, new Scalar(0.0));
        TensorOptional bp = bias == null ? new TensorOptional()
                : new TensorOptional(torch.constant_pad_nd(bias, new long[] {0, padded - out}, new Scalar(0.0)));
        return torch.conv2d(x, w, bp, stride, padding, new long[] {1, 1}, 1).narrow(1, 0, out);
    }

    /** {@code conv_transpose2d} with no output padding, one group and dilation 1; weight {@code [in, out, k, k]}. */
    static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
        if (transposedNeedsWorkaround(x, weight.size(0), weight.size(1))) {
            torch.ScalarType type = torch.ScalarType.Double;
            Tensor y = torch.conv_transpose2d(x.to(type), weight.to(type),
                    bias == null ? new TensorOptional() : new TensorOptional(bias.to(type)), stride, padding,
                    new long[] {0, 0}, 1, new long[] {1, 1});
            return y.to(x.scalar_type());
        }
        return torch.conv_transpose2d(x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias),
                stride, padding, new long[] {0, 0}, 1, new long[] {1, 1});
    }
}
