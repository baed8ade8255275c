package org.biggan4j.eval.inception;

import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.inception.InceptionLayout.Conv;
import org.biggan4j.nn.CpuConvolutions;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The Inception v3 that FID, KID and the Inception Score are defined on: pytorch-fid's port of
 * the 2015 TensorFlow graph ({@code fid_inception_v3()} inside {@code InceptionV3([3])}), as
 * biggan4j code. Features are the 2048-d average pool of the last block ("pool3"); logits are
 * the 1008-way classifier on them.
 *
 * <p>Input convention, as pytorch-fid's: images in [0, 1] are resized to 299x299 by bilinear
 * interpolation without corner alignment, mapped to [-1, 1] by {@code 2x - 1}, and a grey image
 * is repeated to three channels. {@link #extract} receives the generator's [-1, 1] images (the
 * {@link FeatureExtractor} contract) and maps them to [0, 1] first.
 *
 * <p>Where the port differs from torchvision's Inception v3 (and so from an Inception a user
 * might build from it), to match TensorFlow's graph: BatchNorm eps 0.001; the average pools of
 * blocks A, C and the first E average over the window's real pixels only
 * ({@code count_include_pad=False}); the second E block pools its last branch with a max, not an
 * average. These change FID values noticeably, which is why published FIDs need this exact network.
 */
public final class FidInception implements FeatureExtractor {

    private final InceptionWeights weights;
    private final ComputeDevice device;
    private final ScalarType dtype;

    private FidInception(InceptionWeights weights, ComputeDevice device, ScalarType dtype) {
        this.weights = weights;
        this.device = device;
        this.dtype = dtype;
    }

    /** Loads pytorch-fid's state dict (see {@link InceptionWeights}) onto {@code device}, in float32. */
    public static FidInception load(Path weightsFile, ComputeDevice device) {
        return load(weightsFile, device, ScalarType.Float);
    }

    /**
     * The same in another precision: float64 computes what float32 approximates, which bounds the
     * rounding of this network and of a reference's outputs (see the fixture test); bf16 (weights
     * and activations, features returned in float32) is faster where the CPU has bf16 units and
     * moves FID by a measured amount (README).
     */
    public static FidInception load(Path weightsFile, ComputeDevice device, ScalarType dtype) {
        if (dtype != ScalarType.Float && dtype != ScalarType.Double && dtype != ScalarType.BFloat16) {
            throw new IllegalArgumentException("The FID Inception runs in float32, float64 or bf16, not " + dtype + ".");
        }
        return new FidInception(InceptionWeights.load(weightsFile, device, dtype), device, dtype);
    }

    /** The network with random weights in {@code dtype}, for timing ({@link InceptionWeights#random}). */
    public static FidInception withRandomWeights(ComputeDevice device, ScalarType dtype) {
        return new FidInception(InceptionWeights.random(device, dtype), device, dtype);
    }

    /** FLOPs (2 x multiply-adds) of one image at 299 px, for utilisation figures. */
    public static long flopsPerImage() {
        return InceptionLayout.flopsPerImage();
    }

    @Override
    public int featureDim() {
        return InceptionLayout.FEATURES;
    }

    @Override
    public int numClasses() {
        return InceptionLayout.CLASSES;
    }

    /** Three: grey images are repeated to RGB before the network sees them. */
    @Override
    public int imageChannels() {
        return 3;
    }

    @Override
    public Output extract(Tensor images) {
        Tensor zeroOne = images.add(new Scalar(1.0)).mul(new Scalar(0.5));
        Tensor pool3 = pool3(zeroOne);
        return new Output(pool3, logits(pool3));
    }

    /**
     * pool3 features [B, 2048] of images [B, C, H, W] in [0, 1] (C 1 or 3; any size), exactly as
     * pytorch-fid's {@code InceptionV3([3])} computes them. Call under no-grad, in a scope.
     */
    public Tensor pool3(Tensor imagesZeroOne) {
        if (imagesZeroOne.dim() != 4 || (imagesZeroOne.size(1) != 1 && imagesZeroOne.size(1) != 3)) {
            throw new IllegalArgumentException("The FID Inception needs images [B, 1 or 3, H, W], got "
                    + Arrays.toString(imagesZeroOne.sizes().vec().get()) + ".");
        }
        Tensor x = imagesZeroOne.to(device.torchDevice(), dtype);
        if (x.size(1) == 1) {
            x = x.expand(-1, 3, -1, -1);
        }
        if (x.size(2) != InceptionLayout.INPUT_SIDE || x.size(3) != InceptionLayout.INPUT_SIDE) {
            x = torch.upsample_bilinear2d(x, new long[] {InceptionLayout.INPUT_SIDE, InceptionLayout.INPUT_SIDE},
                    false);
        }
        Tensor input = x.mul(new Scalar(2.0)).sub(new Scalar(1.0));
        // Each stage frees its intermediates under no-grad (a 299 px batch makes hundreds of MB each).
        Tensor stem1 = NativeMemory.stage(() -> maxPool(conv("Conv2d_2b_3x3",
                conv("Conv2d_2a_3x3", conv("Conv2d_1a_3x3", input))), 2, 0));              // [B, 64, 73, 73]
        Tensor stem2 = NativeMemory.stage(() -> maxPool(conv("Conv2d_4a_3x3",
                conv("Conv2d_3b_1x1", stem1)), 2, 0));                                       // [B, 192, 35, 35]
        Tensor a = stem2;
        for (String block : new String[] {"Mixed_5b", "Mixed_5c", "Mixed_5d"}) {
            Tensor in = a;
            a = NativeMemory.stage(() -> blockA(block, in));                                 // [B, 256|288, 35, 35]
        }
        Tensor a6 = a;
        Tensor c = NativeMemory.stage(() -> blockB("Mixed_6a", a6));                         // [B, 768, 17, 17]
        for (String block : new String[] {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"}) {
            Tensor in = c;
            c = NativeMemory.stage(() -> blockC(block, in));
        }
        Tensor c7 = c;
        Tensor d = NativeMemory.stage(() -> blockD("Mixed_7a", c7));                         // [B, 1280, 8, 8]
        Tensor e1 = NativeMemory.stage(() -> blockE("Mixed_7b", d, false));                  // [B, 2048, 8, 8]
        Tensor e2 = NativeMemory.stage(() -> blockE("Mixed_7c", e1, true));
        Tensor pooled = torch.adaptive_avg_pool2d(e2, 1, 1).flatten(1, -1).contiguous();    // [B, 2048]
        return dtype == ScalarType.BFloat16 ? pooled.to(ScalarType.Float) : pooled;
    }

    /** The 1008 classifier logits of pool3 features [B, 2048] (the Inception Score's input). */
    public Tensor logits(Tensor pool3) {
        Tensor logits = torch.linear(pool3.to(dtype), weights.fcWeight(), new TensorOptional(weights.fcBias()));
        return dtype == ScalarType.BFloat16 ? logits.to(ScalarType.Float) : logits;
    }

    private Tensor conv(String name, Tensor x) {
        Conv c = InceptionLayout.conv(name);
        InceptionWeights.Folded f = weights.conv(name);
        Tensor y = CpuConvolutions.conv2d(x, f.weight(), f.bias(), new long[] {c.stride(), c.stride()},
                new long[] {c.padH(), c.padW()});
        return torch.relu_(y);
    }

    private static Tensor maxPool(Tensor x, long stride, long padding) {
        return torch.max_pool2d(x, new long[] {3, 3}, new long[] {stride, stride}, new long[] {padding, padding},
                new long[] {1, 1}, false);
    }

    /** 3x3 average, stride 1, over the window's pixels inside the image only (TF's SAME pooling). */
    private static Tensor averageOfRealPixels(Tensor x) {
        return torch.avg_pool2d(x, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, false, false,
                new LongOptional());
    }

    private static Tensor cat(Tensor... parts) {
        return torch.cat(new TensorVector(parts), 1);
    }

    private Tensor blockA(String p, Tensor x) {
        Tensor b1 = conv(p + ".branch1x1", x);
        Tensor b5 = conv(p + ".branch5x5_2", conv(p + ".branch5x5_1", x));
        Tensor b3 = conv(p + ".branch3x3dbl_3", conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x)));
        Tensor bp = conv(p + ".branch_pool", averageOfRealPixels(x));
        return cat(b1, b5, b3, bp);
    }

    private Tensor blockB(String p, Tensor x) {
        Tensor b3 = conv(p + ".branch3x3", x);
        Tensor bd = conv(p + ".branch3x3dbl_3", conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x)));
        return cat(b3, bd, maxPool(x, 2, 0));
    }

    private Tensor blockC(String p, Tensor x) {
        Tensor b1 = conv(p + ".branch1x1", x);
        Tensor b7 = conv(p + ".branch7x7_3", conv(p + ".branch7x7_2", conv(p + ".branch7x7_1", x)));
        Tensor bd = x;
        for (int i = 1; i <= 5; i++) {
            bd = conv(p + ".branch7x7dbl_" + i, bd);
        }
        Tensor bp = conv(p + ".branch_pool", averageOfRealPixels(x));
        return cat(b1, b7, bd, bp);
    }

    private Tensor blockD(String p, Tensor x) {
        Tensor b3 = conv(p + ".branch3x3_2", conv(p + ".branch3x3_1", x));
        Tensor b7 = x;
        for (int i = 1; i <= 4; i++) {
            b7 = conv(p + ".branch7x7x3_" + i, b7);
        }
        return cat(b3, b7, maxPool(x, 2, 0));
    }

    /** The expanded 8x8 block; {@code maxPoolBranch} for Mixed_7c, whose pool branch takes a max. */
    private Tensor blockE(String p, Tensor x, boolean maxPoolBranch) {
        Tensor b1 = conv(p + ".branch1x1", x);
        Tensor s3 = conv(p + ".branch3x3_1", x);
        Tensor b3 = cat(conv(p + ".branch3x3_2a", s3), conv(p + ".branch3x3_2b", s3));
        Tensor sd = conv(p + ".branch3x3dbl_2", conv(p + ".branch3x3dbl_1", x));
        Tensor bd = cat(conv(p + ".branch3x3dbl_3a", sd), conv(p + ".branch3x3dbl_3b", sd));
        Tensor pooled = maxPoolBranch ? maxPool(x, 1, 1) : averageOfRealPixels(x);
        Tensor bp = conv(p + ".branch_pool", pooled);
        return cat(b1, b3, bd, bp);
    }

    /** The precision it computes in: float32, float64 or bf16. */
    public String precision() {
        return dtype == ScalarType.BFloat16 ? "bf16" : dtype == ScalarType.Double ? "float64" : "float32";
    }

    /** The SHA-256 of the weight file (hex), for cache keys and reports; "random" for random weights. */
    public String weightsSha256() {
        return weights.sha256();
    }

    @Override
    public String describe() {
        return "FID Inception v3 (pytorch-fid port of the 2015 TF graph), pool3 2048-d, " + precision() + ", weights "
                + weights.file();
    }

    @Override
    public void close() {
        weights.close();
    }
}
