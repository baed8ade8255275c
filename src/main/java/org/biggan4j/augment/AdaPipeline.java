package org.biggan4j.augment;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.EnumSet;
import java.util.Set;

import static org.biggan4j.augment.Draws.s;

/**
 * ADA's augmentation pipeline (Karras et al. 2020, "Training Generative Adversarial Networks with
 * Limited Data", appendix B), 'bgc': every operation is applied to each sample independently with
 * probability p (the two arbitrary rotations each with 1 - sqrt(1 - p), so that some rotation
 * happens with probability p), with the paper's strengths:
 * <ul>
 *   <li>geometric: x-flip, rotation by a multiple of 90 degrees, integer translation by up to
 *       0.125 of the side; isotropic scaling (lognormal, std 0.2 ln 2), rotation by U(-pi, pi),
 *       anisotropic scaling (lognormal, std 0.2 ln 2), a second rotation, fractional translation
 *       (normal, std 0.125 of the side). These compose into ONE 3x3 matrix per sample and the
 *       image is resampled ONCE;</li>
 *   <li>colour: brightness (normal, std 0.2), contrast (lognormal, std 0.5 ln 2), luma flip,
 *       hue rotation by U(-pi, pi) about the luma axis, saturation (lognormal, std 1 ln 2),
 *       composed into ONE 4x4 colour matrix per sample (homogeneous RGB).</li>
 * </ul>
 * Images are {@code [B, C, H, W]} in [-1, 1], the range the paper's code works in, so its
 * constants apply unchanged. For 1-channel images (Fashion-MNIST) the colour matrix acts as the
 * official code makes it act: hue and saturation are skipped (a grey image has neither; nothing is
 * drawn for them), brightness adds, contrast scales, and the luma flip negates the image (the
 * Householder reflection about the luma axis reduced to one channel is x -&gt; -x, an inversion
 * of grey levels around mid-grey).
 *
 * <p>Resampling: {@code affine_grid} + {@code grid_sample} (bilinear) with reflection padding, at
 * the image's resolution. The official implementation instead pads by reflection (about the edge
 * pixel's centre), upsamples 2x with a symmetric wavelet low-pass filter, samples bilinearly and
 * filters back down, which keeps the resampled image nearly alias-free; this one reflects about
 * the image's edge (the edge pixel repeats once) and aliases a little under scaling and rotation.
 * Flips, 90-degree rotations and integer translations land on pixel centres, so bilinear sampling
 * reproduces them up to floating-point rounding, as the official's filters do.
 *
 * <p>p = 0 returns the input itself: no draws, no operations.
 */
public final class AdaPipeline {

    /** The operations of the 'bgc' pipeline, in the order they compose. */
    public enum Op {
        XFLIP, ROTATE90, XINT, SCALE, ROTATE, ANISO, XFRAC, BRIGHTNESS, CONTRAST, LUMAFLIP, HUE, SATURATION;

        boolean geometric() {
            return ordinal() <= XFRAC.ordinal();
        }

        /** Hue and saturation: nothing to act on in a 1-channel image. */
        boolean chromatic() {
            return this == HUE || this == SATURATION;
        }
    }

    static final double XINT_MAX = 0.125;
    static final double SCALE_STD = 0.2;        // of log2(scale)
    static final double ANISO_STD = 0.2;        // of log2(scale)
    static final double XFRAC_STD = 0.125;      // of the translation, in units of the side
    static final double BRIGHTNESS_STD = 0.2;
    static final double CONTRAST_STD = 0.5;     // of log2(contrast)
    static final double SATURATION_STD = 1.0;   // of log2(saturation)

    private final EnumSet<Op> ops;

    /** A pipeline of the given operations (tests take them one at a time). */
    public AdaPipeline(Set<Op> ops) {
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("An ADA pipeline needs at least one operation.");
        }
        this.ops = EnumSet.copyOf(ops);
    }

    /** The paper's 'bgc' pipeline: every operation. */
    public static AdaPipeline bgc() {
        return new AdaPipeline(EnumSet.allOf(Op.class));
    }

    /** Augments {@code images} [B, C, H, W] (C = 1 or 3) with probability {@code p} per operation and sample. */
    public Tensor apply(Tensor images, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("ADA's p must be in [0, 1], got " + p + ".");
        }
        long channels = images.size(1);
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("ADA's colour transforms need 1 or 3 channels, got " + channels + ".");
        }
        if (p == 0) {
            return images;
        }
        Tensor x = images;
        long batch = x.size(0);
        if (ops.stream().anyMatch(Op::geometric)) {
            x = resample(x, geometric(batch, x.size(3), x.size(2), p, x.options()));
        }
        if (ops.stream().anyMatch(o -> !o.geometric() && (channels > 1 || !o.chromatic()))) {
            x = recolour(x, colour(batch, channels, p, x.options()));
        }
        return x;
    }

    /**
     * The composed inverse geometric transforms {@code [B, 3, 3]}: each maps an output pixel's
     * position (pixels, origin at the image centre, x along the width) to where it is sampled in
     * the input, as the official {@code G_inv}, built in the same order with the same draws.
     */
    Tensor geometric(long batch, long width, long height, double p, TensorOptions options) {
        Tensor g = eye(batch, 3, options);
        if (ops.contains(Op.XFLIP)) {
            Tensor i = gate(Draws.uniform(batch, 1, options).mul(s(2)).floor(), p, 0);
            g = g.bmm(scaleInverse(i.mul(s(-2)).add(s(1)), ones(i), options));
        }
        if (ops.contains(Op.ROTATE90)) {
            Tensor k = gate(Draws.uniform(batch, 1, options).mul(s(4)).floor(), p, 0);
            // Exact cosines and sines of k * 90 degrees (Math.cos(pi / 2) is 6e-17, not 0).
            Tensor cos = indicator(k, 0).sub(indicator(k, 2));
            Tensor sin = indicator(k, 1).sub(indicator(k, 3));
            g = g.bmm(rotation(cos, sin, options));
        }
        if (ops.contains(Op.XINT)) {
            Tensor t = Draws.uniform(batch, 2, options).mul(s(2)).sub(s(1)).mul(s(XINT_MAX));
            t = gate(t, p, 0);
            g = g.bmm(translateInverse(torch.round(t.narrow(1, 0, 1).mul(s(width))),
                    torch.round(t.narrow(1, 1, 1).mul(s(height))), options));
        }
        if (ops.contains(Op.SCALE)) {
            Tensor sc = gate(torch.exp2(Draws.normal(batch, 1, options).mul(s(SCALE_STD))), p, 1);
            g = g.bmm(scaleInverse(sc, sc, options));
        }
        // Each of the two rotations with 1 - sqrt(1 - p): some rotation happens with probability p.
        double pRotation = 1 - Math.sqrt(Math.min(Math.max(1 - p, 0), 1));
        if (ops.contains(Op.ROTATE)) {
            g = g.bmm(randomRotation(batch, pRotation, options));   // before the anisotropic scaling
        }
        if (ops.contains(Op.ANISO)) {
            Tensor sc = gate(torch.exp2(Draws.normal(batch, 1, options).mul(s(ANISO_STD))), p, 1);
            g = g.bmm(scaleInverse(sc, sc.reciprocal(), options));
        }
        if (ops.contains(Op.ROTATE)) {
            g = g.bmm(randomRotation(batch, pRotation, options));   // after it
        }
        if (ops.contains(Op.XFRAC)) {
            Tensor t = gate(Draws.normal(batch, 2, options).mul(s(XFRAC_STD)), p, 0);
            g = g.bmm(translateInverse(t.narrow(1, 0, 1).mul(s(width)), t.narrow(1, 1, 1).mul(s(height)), options));
        }
        return g;
    }

    /**
     * The composed colour matrices {@code [B, 4, 4]} acting on homogeneous RGB (the official
     * {@code C}, left-multiplied op by op). Hue and saturation are left out for 1-channel images.
     */
    Tensor colour(long batch, long channels, double p, TensorOptions options) {
        Tensor c = eye(batch, 4, options);
        Tensor identity = torch.eye(4, options).unsqueeze(0);                            // [1, 4, 4]
        Tensor rgb = unit(4, options, 0, 0).add(unit(4, options, 1, 1)).add(unit(4, options, 2, 2));
        Tensor w = unit(4, options, 3, 3);
        // The projector v v^T onto the luma axis v = (1, 1, 1, 0) / sqrt(3): 1/3 on the RGB block.
        Tensor vv = torch.zeros(new long[] {1, 4, 4}, options);
        vv.narrow(1, 0, 3).narrow(2, 0, 3).fill_(s(1.0 / 3));
        if (ops.contains(Op.BRIGHTNESS)) {
            Tensor b = gate(Draws.normal(batch, 1, options).mul(s(BRIGHTNESS_STD)), p, 0).view(batch, 1, 1);
            Tensor shift = unit(4, options, 0, 3).add(unit(4, options, 1, 3)).add(unit(4, options, 2, 3));
            c = identity.add(shift.mul(b)).bmm(c);
        }
        if (ops.contains(Op.CONTRAST)) {
            Tensor k = gate(torch.exp2(Draws.normal(batch, 1, options).mul(s(CONTRAST_STD))), p, 1).view(batch, 1, 1);
            c = w.add(rgb.mul(k)).bmm(c);
        }
        if (ops.contains(Op.LUMAFLIP)) {
            Tensor i = gate(Draws.uniform(batch, 1, options).mul(s(2)).floor(), p, 0).view(batch, 1, 1);
            c = identity.sub(vv.mul(s(2)).mul(i)).bmm(c);                                 // Householder reflection
        }
        if (ops.contains(Op.HUE) && channels > 1) {
            Tensor theta = gate(Draws.uniform(batch, 1, options).mul(s(2)).sub(s(1)).mul(s(Math.PI)), p, 0)
                    .view(batch, 1, 1);
            // Rodrigues: R = cos I + sin [v]x + (1 - cos) v v^T on RGB, 1 on the homogeneous axis.
            double a = 1 / Math.sqrt(3);
            Tensor cross = unit(4, options, 1, 2).neg().add(unit(4, options, 2, 1)).mul(s(a))
                    .add(unit(4, options, 0, 2).sub(unit(4, options, 2, 0)).mul(s(a)))
                    .add(unit(4, options, 1, 0).sub(unit(4, options, 0, 1)).mul(s(a)));
            Tensor cos = theta.cos();
            c = rgb.mul(cos).add(cross.mul(theta.sin())).add(vv.mul(cos.neg().add(s(1)))).add(w).bmm(c);
        }
        if (ops.contains(Op.SATURATION) && channels > 1) {
            Tensor k = gate(torch.exp2(Draws.normal(batch, 1, options).mul(s(SATURATION_STD))), p, 1)
                    .view(batch, 1, 1);
            c = vv.add(identity.sub(vv).mul(k)).bmm(c);
        }
        return c;
    }

    /** One rotation by U(-pi, pi), applied with probability {@code probability}. */
    private static Tensor randomRotation(long batch, double probability, TensorOptions options) {
        Tensor theta = gate(Draws.uniform(batch, 1, options).mul(s(2)).sub(s(1)).mul(s(Math.PI)), probability, 0);
        // The official rotate2d_inv(-theta) = rotate2d(theta).
        return rotation(theta.cos(), theta.sin(), options);
    }

    /**
     * Resamples {@code x} through the inverse transforms {@code g} (centred pixel coordinates):
     * converted to the normalised coordinates of {@code affine_grid} with align_corners false, where
     * a pixel's centre x maps to 2x / W.
     */
    static Tensor resample(Tensor x, Tensor g) {
        long h = x.size(2);
        long w = x.size(3);
        TensorOptions options = g.options();
        Tensor toNormal = unit(3, options, 0, 0).mul(s(2.0 / w)).add(unit(3, options, 1, 1).mul(s(2.0 / h)))
                .add(unit(3, options, 2, 2));
        Tensor toPixels = unit(3, options, 0, 0).mul(s(w / 2.0)).add(unit(3, options, 1, 1).mul(s(h / 2.0)))
                .add(unit(3, options, 2, 2));
        Tensor theta = toNormal.matmul(g).matmul(toPixels).narrow(1, 0, 2);              // [B, 2, 3]
        Tensor grid = torch.affine_grid_generator(theta, new long[] {x.size(0), x.size(1), h, w}, false);
        // interpolation 0 = bilinear, padding 2 = reflection
        return torch.grid_sampler(x, grid, 0, 2, false);
    }

    /** Applies colour matrices {@code [B, 4, 4]} to {@code x}, as the official for 3 and 1 channels. */
    static Tensor recolour(Tensor x, Tensor c) {
        long b = x.size(0);
        long ch = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        Tensor flat = x.reshape(b, ch, h * w);
        if (ch == 3) {
            return c.narrow(1, 0, 3).narrow(2, 0, 3).bmm(flat).add(c.narrow(1, 0, 3).narrow(2, 3, 1))
                    .view(b, ch, h, w);
        }
        // One channel: the mean of the RGB rows acts on a grey value repeated in R, G and B.
        Tensor grey = c.narrow(1, 0, 3).mean(new long[] {1}, true, new ScalarTypeOptional());  // [B, 1, 4]
        Tensor gain = grey.narrow(2, 0, 3).sum(new long[] {2}, true, new ScalarTypeOptional()); // [B, 1, 1]
        return flat.mul(gain).add(grey.narrow(2, 3, 1)).view(b, ch, h, w);
    }

    /** {@code value} [B, k] where a per-sample U[0, 1) draw is below {@code p}, else {@code neutral}. */
    private static Tensor gate(Tensor value, double p, double neutral) {
        Tensor apply = Draws.uniform(value.size(0), 1, value.options()).lt(s(p));
        return torch.where(apply, value, torch.full_like(value, s(neutral)));
    }

    /** 1 where {@code k} equals {@code value}, else 0, in k's dtype. */
    private static Tensor indicator(Tensor k, int value) {
        return k.eq(s(value)).to(Tensors.dtype(k));
    }

    private static Tensor ones(Tensor like) {
        return torch.ones_like(like);
    }

    private static Tensor eye(long batch, long n, TensorOptions options) {
        return torch.eye(n, options).unsqueeze(0).expand(batch, n, n).contiguous();
    }

    /** The n x n matrix with a single 1 at (i, j), shape [1, n, n]. */
    private static Tensor unit(long n, TensorOptions options, int i, int j) {
        Tensor m = torch.zeros(new long[] {1, n, n}, options);
        m.select(1, i).select(1, j).fill_(s(1));
        return m;
    }

    /** Per-sample entries [B, 1] as [B, 1, 1] for broadcasting against [1, 3, 3] units. */
    private static Tensor col(Tensor t) {
        return t.reshape(-1, 1, 1);
    }

    /** diag(1 / sx, 1 / sy, 1): the inverse of scaling by (sx, sy). */
    private static Tensor scaleInverse(Tensor sx, Tensor sy, TensorOptions options) {
        return unit(3, options, 0, 0).mul(col(sx.reciprocal())).add(unit(3, options, 1, 1).mul(col(sy.reciprocal())))
                .add(unit(3, options, 2, 2));
    }

    /** [[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]]. */
    private static Tensor rotation(Tensor cos, Tensor sin, TensorOptions options) {
        return unit(3, options, 0, 0).add(unit(3, options, 1, 1)).mul(col(cos))
                .add(unit(3, options, 1, 0).sub(unit(3, options, 0, 1)).mul(col(sin)))
                .add(unit(3, options, 2, 2));
    }

    /** The inverse of translating by (tx, ty): [[1, 0, -tx], [0, 1, -ty], [0, 0, 1]]. */
    private static Tensor translateInverse(Tensor tx, Tensor ty, TensorOptions options) {
        return torch.eye(3, options).unsqueeze(0).sub(unit(3, options, 0, 2).mul(col(tx)))
                .sub(unit(3, options, 1, 2).mul(col(ty)));
    }
}
