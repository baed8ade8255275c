package org.biggan4j.image;

/**
 * BigGAN's preprocessing (SPEC section 3, Brock et al. 2019, appendix: "crop the long edge to a
 * centred square, resize with area resampling"): a centre crop to a square, then area (box)
 * resampling to the target size.
 *
 * <p>Area resampling gives each output pixel the mean of the source area it covers, weighting
 * partly covered source pixels by the covered fraction. Scale factors need not be integers. The
 * weights are exact rationals: in units of {@code 1 / target} of a source pixel, output pixel
 * {@code j} covers {@code [j * s, (j + 1) * s)} and source pixel {@code k} covers
 * {@code [k * target, (k + 1) * target)}, so every overlap is an integer and the sum over one
 * axis is {@code s}. The two axes are separable (a pixel's area is a product of lengths), and the
 * result is computed in exact integer arithmetic and rounded half up once, at the end.
 *
 * <p>Upsampling (a crop smaller than the target) follows the same area rule: each output pixel
 * then lies inside one source pixel or straddles two per axis, which is nearest-neighbour
 * upsampling with area-weighted blending where output pixels straddle a source edge. It is used
 * only for images smaller than the training resolution, which the paper's data does not have.
 */
public final class AreaResize {

    private AreaResize() {
    }

    /** Centre-crops {@code image} to a square of its short side and area-resamples it to {@code target}. */
    public static ImageBytes cropAndResize(ImageBytes image, int target) {
        int side = Math.min(image.height(), image.width());
        // Floor of half the excess: for odd excesses the extra pixel is dropped on the far side.
        int top = (image.height() - side) / 2;
        int left = (image.width() - side) / 2;
        return new ImageBytes(image.channels(), target, target,
                resize(image.chw(), image.channels(), image.height(), image.width(), top, left, side, side, target,
                        target));
    }

    /**
     * Area-resamples a square CHW image of side {@code source} to side {@code target}.
     * Used by datasets whose native resolution differs from the requested one.
     */
    public static byte[] resizeSquare(byte[] chw, int channels, int source, int target) {
        if (source == target) {
            return chw.clone();
        }
        return resize(chw, channels, source, source, 0, 0, source, source, target, target);
    }

    /**
     * Area-resamples the window {@code [top, top + cropH) x [left, left + cropW)} of a CHW image
     * of size {@code height x width} to {@code outH x outW}.
     */
    public static byte[] resize(byte[] chw, int channels, int height, int width, int top, int left,
                                int cropH, int cropW, int outH, int outW) {
        if (top < 0 || left < 0 || top + cropH > height || left + cropW > width || cropH <= 0 || cropW <= 0) {
            throw new IllegalArgumentException("Crop window " + cropW + "x" + cropH + " at (" + left + ", " + top
                    + ") does not fit a " + width + "x" + height + " image.");
        }
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("Target size must be positive, got " + outW + "x" + outH + ".");
        }
        Axis xs = new Axis(cropW, outW);
        Axis ys = new Axis(cropH, outH);
        byte[] out = new byte[channels * outH * outW];
        // Horizontal pass: [cropH, outW] sums, each scaled by cropW (exact integers).
        long[] rows = new long[cropH * outW];
        long denominator = (long) cropW * cropH;
        long half = denominator / 2;
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < cropH; y++) {
                int rowStart = plane + (top + y) * width + left;
                for (int j = 0; j < outW; j++) {
                    long sum = 0;
                    int first = xs.first[j];
                    int[] w = xs.weights[j];
                    for (int t = 0; t < w.length; t++) {
                        sum += (long) w[t] * (chw[rowStart + first + t] & 0xFF);
                    }
                    rows[y * outW + j] = sum;
                }
            }
            // Vertical pass: totals scaled by cropW * cropH, rounded half up.
            int outPlane = c * outH * outW;
            for (int i = 0; i < outH; i++) {
                int first = ys.first[i];
                int[] w = ys.weights[i];
                for (int j = 0; j < outW; j++) {
                    long sum = 0;
                    for (int t = 0; t < w.length; t++) {
                        sum += w[t] * rows[(first + t) * outW + j];
                    }
                    out[outPlane + i * outW + j] = (byte) ((sum + half) / denominator);
                }
            }
        }
        return out;
    }

    /** Integer overlap weights along one axis; the weights of each output index sum to {@code source}. */
    private static final class Axis {
        final int[] first;
        final int[][] weights;

        Axis(int source, int target) {
            first = new int[target];
            weights = new int[target][];
            for (int j = 0; j < target; j++) {
                long lo = (long) j * source;        // output interval in units of 1/target source pixels
                long hi = lo + source;
                int k0 = (int) (lo / target);
                int k1 = (int) ((hi - 1) / target);  // last source pixel touched
                first[j] = k0;
                int[] w = new int[k1 - k0 + 1];
                for (int k = k0; k <= k1; k++) {
                    long a = Math.max(lo, (long) k * target);
                    long b = Math.min(hi, (long) (k + 1) * target);
                    w[k - k0] = (int) (b - a);
                }
                weights[j] = w;
            }
        }
    }
}
