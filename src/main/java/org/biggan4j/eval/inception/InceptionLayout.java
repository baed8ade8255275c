package org.biggan4j.eval.inception;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layers of the FID Inception v3 as data: every convolution (each followed by BatchNorm with
 * eps 0.001 and ReLU) with its state-dict name, channels, kernel, stride and padding, and the
 * 1008-way classifier. This is the network of pytorch-fid's {@code fid_inception_v3()}: the 2015
 * TensorFlow Inception v3 (Szegedy et al. 2016, "Rethinking the Inception Architecture", figures
 * 5-7 and table 1) with 1008 outputs, as ported from TensorFlow's graph. {@link FidInception}
 * runs it; {@link InceptionWeights} checks a state dict against it, key by key.
 *
 * <p>Block kinds, by their torchvision names: A (Mixed_5b-5d: 1x1, 5x5, double 3x3 and pool
 * branches), B (Mixed_6a: grid reduction to 17x17), C (Mixed_6b-6e: factorised 7x7 as 1x7 and
 * 7x1), D (Mixed_7a: reduction to 8x8), E (Mixed_7b-7c: expanded 3x3 branches, each split into
 * 1x3 and 3x1 halves that are concatenated).
 */
final class InceptionLayout {

    /** Outputs of the classifier: 1008 (the TF graph's 1000 ImageNet classes plus 8 unused). */
    static final int CLASSES = 1008;
    /** Width of the pool3 features that FID and KID compare. */
    static final int FEATURES = 2048;
    /** The side the network was trained at; inputs are resized to it. */
    static final int INPUT_SIDE = 299;
    /** TensorFlow's BatchNorm epsilon, kept by the port (torchvision's default would be 1e-5). */
    static final double BN_EPS = 1e-3;

    /**
     * One convolution + BatchNorm + ReLU ({@code BasicConv2d}), named as in the state dict, with
     * the side of the square grid it reads at the 299 px input.
     */
    record Conv(String name, long in, long out, long kernelH, long kernelW, long stride, long padH, long padW,
                long inputSide) {

        /** Shape of {@code <name>.conv.weight}. */
        long[] weightShape() {
            return new long[] {out, in, kernelH, kernelW};
        }

        /** 2 x multiply-adds of one image. */
        long flops() {
            long outH = (inputSide + 2 * padH - kernelH) / stride + 1;
            long outW = (inputSide + 2 * padW - kernelW) / stride + 1;
            return 2 * out * in * kernelH * kernelW * outH * outW;
        }
    }

    private static final Map<String, Conv> CONVS = build();

    private InceptionLayout() {
    }

    /** Every convolution by name, in the order of the state dict. */
    static Map<String, Conv> convs() {
        return CONVS;
    }

    /** The convolution called {@code name}. */
    static Conv conv(String name) {
        Conv c = CONVS.get(name);
        if (c == null) {
            throw new IllegalStateException("No convolution " + name + " in the FID Inception layout.");
        }
        return c;
    }

    /** FLOPs (2 x multiply-adds) of one image's forward: the convolutions and the classifier. */
    static long flopsPerImage() {
        return CONVS.values().stream().mapToLong(Conv::flops).sum() + 2L * FEATURES * CLASSES;
    }

    /** Every state-dict key with its shape, in file order: five tensors per convolution, then fc. */
    static Map<String, long[]> keys() {
        Map<String, long[]> keys = new LinkedHashMap<>();
        for (Conv c : CONVS.values()) {
            keys.put(c.name() + ".conv.weight", c.weightShape());
            for (String bn : List.of("weight", "bias", "running_mean", "running_var")) {
                keys.put(c.name() + ".bn." + bn, new long[] {c.out()});
            }
        }
        keys.put("fc.weight", new long[] {CLASSES, FEATURES});
        keys.put("fc.bias", new long[] {CLASSES});
        return keys;
    }

    private static Map<String, Conv> build() {
        List<Conv> all = new ArrayList<>();
        // Stem: 299 -> 149 -> 147 -> 147 -> (max pool) 73 -> 73 -> 71 -> (max pool) 35.
        all.add(square("Conv2d_1a_3x3", 3, 32, 3, 2, 0, 299));
        all.add(square("Conv2d_2a_3x3", 32, 32, 3, 1, 0, 149));
        all.add(square("Conv2d_2b_3x3", 32, 64, 3, 1, 1, 147));
        all.add(square("Conv2d_3b_1x1", 64, 80, 1, 1, 0, 73));
        all.add(square("Conv2d_4a_3x3", 80, 192, 3, 1, 0, 73));
        blockA(all, "Mixed_5b", 192, 32);
        blockA(all, "Mixed_5c", 256, 64);
        blockA(all, "Mixed_5d", 288, 64);
        blockB(all, "Mixed_6a", 288);
        blockC(all, "Mixed_6b", 128);
        blockC(all, "Mixed_6c", 160);
        blockC(all, "Mixed_6d", 160);
        blockC(all, "Mixed_6e", 192);
        blockD(all, "Mixed_7a");
        blockE(all, "Mixed_7b", 1280);
        blockE(all, "Mixed_7c", 2048);
        Map<String, Conv> byName = new LinkedHashMap<>();
        all.forEach(c -> byName.put(c.name(), c));
        return Collections.unmodifiableMap(byName);
    }

    private static Conv square(String name, long in, long out, long kernel, long stride, long pad, long side) {
        return new Conv(name, in, out, kernel, kernel, stride, pad, pad, side);
    }

    /** A 1x7 (wide) or 7x1 (tall) convolution, padded to keep the grid; also 1x3 and 3x1 in E. */
    private static Conv wide(String name, long in, long out, long k, long side) {
        return new Conv(name, in, out, 1, k, 1, 0, k / 2, side);
    }

    private static Conv tall(String name, long in, long out, long k, long side) {
        return new Conv(name, in, out, k, 1, 1, k / 2, 0, side);
    }

    /** 35x35, output 64 + 64 + 96 + poolFeatures channels. */
    private static void blockA(List<Conv> all, String p, long in, long poolFeatures) {
        all.add(square(p + ".branch1x1", in, 64, 1, 1, 0, 35));
        all.add(square(p + ".branch5x5_1", in, 48, 1, 1, 0, 35));
        all.add(square(p + ".branch5x5_2", 48, 64, 5, 1, 2, 35));
        all.add(square(p + ".branch3x3dbl_1", in, 64, 1, 1, 0, 35));
        all.add(square(p + ".branch3x3dbl_2", 64, 96, 3, 1, 1, 35));
        all.add(square(p + ".branch3x3dbl_3", 96, 96, 3, 1, 1, 35));
        all.add(square(p + ".branch_pool", in, poolFeatures, 1, 1, 0, 35));
    }

    /** 35x35 -> 17x17, output 384 + 96 + in (the max-pooled input). */
    private static void blockB(List<Conv> all, String p, long in) {
        all.add(square(p + ".branch3x3", in, 384, 3, 2, 0, 35));
        all.add(square(p + ".branch3x3dbl_1", in, 64, 1, 1, 0, 35));
        all.add(square(p + ".branch3x3dbl_2", 64, 96, 3, 1, 1, 35));
        all.add(square(p + ".branch3x3dbl_3", 96, 96, 3, 2, 0, 35));
    }

    /** 17x17 with 768 channels in and out; {@code c7} channels inside the factorised 7x7 branches. */
    private static void blockC(List<Conv> all, String p, long c7) {
        all.add(square(p + ".branch1x1", 768, 192, 1, 1, 0, 17));
        all.add(square(p + ".branch7x7_1", 768, c7, 1, 1, 0, 17));
        all.add(wide(p + ".branch7x7_2", c7, c7, 7, 17));
        all.add(tall(p + ".branch7x7_3", c7, 192, 7, 17));
        all.add(square(p + ".branch7x7dbl_1", 768, c7, 1, 1, 0, 17));
        all.add(tall(p + ".branch7x7dbl_2", c7, c7, 7, 17));
        all.add(wide(p + ".branch7x7dbl_3", c7, c7, 7, 17));
        all.add(tall(p + ".branch7x7dbl_4", c7, c7, 7, 17));
        all.add(wide(p + ".branch7x7dbl_5", c7, 192, 7, 17));
        all.add(square(p + ".branch_pool", 768, 192, 1, 1, 0, 17));
    }

    /** 17x17 -> 8x8, output 320 + 192 + 768 = 1280. */
    private static void blockD(List<Conv> all, String p) {
        all.add(square(p + ".branch3x3_1", 768, 192, 1, 1, 0, 17));
        all.add(square(p + ".branch3x3_2", 192, 320, 3, 2, 0, 17));
        all.add(square(p + ".branch7x7x3_1", 768, 192, 1, 1, 0, 17));
        all.add(wide(p + ".branch7x7x3_2", 192, 192, 7, 17));
        all.add(tall(p + ".branch7x7x3_3", 192, 192, 7, 17));
        all.add(square(p + ".branch7x7x3_4", 192, 192, 3, 2, 0, 17));
    }

    /** 8x8, output 320 + 2 x 384 + 2 x 384 + 192 = 2048. */
    private static void blockE(List<Conv> all, String p, long in) {
        all.add(square(p + ".branch1x1", in, 320, 1, 1, 0, 8));
        all.add(square(p + ".branch3x3_1", in, 384, 1, 1, 0, 8));
        all.add(wide(p + ".branch3x3_2a", 384, 384, 3, 8));
        all.add(tall(p + ".branch3x3_2b", 384, 384, 3, 8));
        all.add(square(p + ".branch3x3dbl_1", in, 448, 1, 1, 0, 8));
        all.add(square(p + ".branch3x3dbl_2", 448, 384, 3, 1, 1, 8));
        all.add(wide(p + ".branch3x3dbl_3a", 384, 384, 3, 8));
        all.add(tall(p + ".branch3x3dbl_3b", 384, 384, 3, 8));
        all.add(square(p + ".branch_pool", in, 192, 1, 1, 0, 8));
    }
}
