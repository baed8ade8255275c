package org.biggan4j.augment;

import org.biggan4j.config.TrainConfig.DiffAugmentOp;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

import static org.biggan4j.augment.Draws.s;
import static org.biggan4j.augment.Draws.whole;

/**
 * Differentiable Augmentation (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient
 * GAN Training", section 3 and the official {@code DiffAugment_pytorch.py}): colour, translation
 * and cutout, each drawn independently per sample, made of tensor operations only (arithmetic,
 * a gather, masks), so that G's gradients flow through them to its weights.
 *
 * <p>Images are {@code [B, C, H, W]} in [-1, 1], as the models produce them. The official code
 * applies its constants to images in [-1, 1] too (its BigGAN and StyleGAN2 variants both work in
 * that range), so they are used unchanged: brightness adds U(-0.5, 0.5) in [-1, 1] units, which is
 * U(-0.25, 0.25) in [0, 1] units; saturation and contrast scale around a mean and do not depend on
 * the range.
 */
public final class DiffAugment {

    /** Translation moves by up to this fraction of the side (the paper's 1/8). */
    static final double TRANSLATION_RATIO = 0.125;
    /** Cutout squares are this fraction of the side (the paper's 1/2). */
    static final double CUTOUT_RATIO = 0.5;

    private final List<DiffAugmentOp> ops;

    /** @param ops the operations in the order they apply (the policy's written order) */
    public DiffAugment(List<DiffAugmentOp> ops) {
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("A DiffAugment policy needs at least one operation; an empty policy "
                    + "means no DiffAugment at all.");
        }
        this.ops = List.copyOf(ops);
    }

    /** The operations, in order. */
    public List<DiffAugmentOp> ops() {
        return ops;
    }

    /** Augments {@code images} [B, C, H, W] with fresh draws per sample. */
    public Tensor apply(Tensor images) {
        Tensor x = images;
        for (DiffAugmentOp op : ops) {
            x = switch (op) {
                case COLOR -> contrast(saturation(brightness(x)));
                case TRANSLATION -> translation(x);
                case CUTOUT -> cutout(x);
            };
        }
        return x;
    }

    /** x + (u - 0.5), u ~ U[0, 1) per sample: a brightness shift U(-0.5, 0.5) in [-1, 1] units. */
    static Tensor brightness(Tensor x) {
        return x.add(Draws.uniform(x.size(0), 1, x.options()).sub(s(0.5)).view(-1, 1, 1, 1));
    }

    /**
     * (x - m) * 2u + m with m the per-pixel mean over channels and u ~ U[0, 1): saturation scaled by
     * U(0, 2). A 1-channel image equals its mean, so this draws but changes nothing (as the official).
     */
    static Tensor saturation(Tensor x) {
        Tensor mean = x.mean(new long[] {1}, true, new ScalarTypeOptional());           // [B, 1, H, W]
        Tensor factor = Draws.uniform(x.size(0), 1, x.options()).mul(s(2.0)).view(-1, 1, 1, 1);
        return x.sub(mean).mul(factor).add(mean);
    }

    /** (x - m) * (u + 0.5) + m with m the per-image mean: contrast scaled by U(0.5, 1.5). */
    static Tensor contrast(Tensor x) {
        Tensor mean = x.mean(new long[] {1, 2, 3}, true, new ScalarTypeOptional());     // [B, 1, 1, 1]
        Tensor factor = Draws.uniform(x.size(0), 1, x.options()).add(s(0.5)).view(-1, 1, 1, 1);
        return x.sub(mean).mul(factor).add(mean);
    }

    /** The largest shift along a side of {@code size} pixels: int(size / 8 + 0.5), as the official. */
    static long maxShift(long size) {
        return (long) (size * TRANSLATION_RATIO + 0.5);
    }

    /** The cutout square's side along a side of {@code size} pixels: int(size / 2 + 0.5). */
    static long cutoutSize(long size) {
        return (long) (size * CUTOUT_RATIO + 0.5);
    }

    /**
     * Translation by integers drawn uniformly from [-s, s] per sample and axis, s = {@link #maxShift},
     * zero padding.
     */
    static Tensor translation(Tensor x) {
        long sh = maxShift(x.size(2));
        long sw = maxShift(x.size(3));
        Tensor shifts = torch.cat(new TensorVector(
                Draws.integers(x.size(0), 1, -sh, sh, x.options()),
                Draws.integers(x.size(0), 1, -sw, sw, x.options())), 1);
        return translation(x, shifts);
    }

    /**
     * Translation by given shifts {@code [B, 2]} (long; rows, columns): output pixel (i, j) is input
     * pixel (i + dy, j + dx), zero where that falls outside, so the content moves by (-dy, -dx).
     * Gathers from the zero-padded image by flat index (one gather, differentiable in x).
     */
    static Tensor translation(Tensor x, Tensor shifts) {
        long b = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        TensorOptions longs = Draws.longs(x);
        Tensor dy = shifts.narrow(1, 0, 1).view(b, 1, 1);
        Tensor dx = shifts.narrow(1, 1, 1).view(b, 1, 1);
        // Indices into the image padded by one zero pixel on every side; clamping sends every
        // outside position onto the padding's border, which is zero.
        Tensor rows = torch.arange(whole(h), longs).view(1, h, 1).add(dy).add(whole(1))
                .clamp(new ScalarOptional(whole(0)), new ScalarOptional(whole(h + 1)));             // [B, H, 1]
        Tensor cols = torch.arange(whole(w), longs).view(1, 1, w).add(dx).add(whole(1))
                .clamp(new ScalarOptional(whole(0)), new ScalarOptional(whole(w + 1)));             // [B, 1, W]
        Tensor index = rows.mul(whole(w + 2)).add(cols).view(b, 1, h * w).expand(b, c, h * w);
        Tensor padded = torch.constant_pad_nd(x, 1, 1, 1, 1).reshape(b, c, (h + 2) * (w + 2));
        return torch.gather(padded, 2, index).view(b, c, h, w);
    }

    /**
     * Cutout: a square of {@link #cutoutSize} per side, centred at a position drawn uniformly per
     * sample (the official draws the centre from [0, side + (1 - size mod 2)), so a square may reach
     * past the border and is then clipped to the image), set to 0.
     */
    static Tensor cutout(Tensor x) {
        long sh = cutoutSize(x.size(2));
        long sw = cutoutSize(x.size(3));
        Tensor centres = torch.cat(new TensorVector(
                Draws.integers(x.size(0), 1, 0, x.size(2) - sh % 2, x.options()),
                Draws.integers(x.size(0), 1, 0, x.size(3) - sw % 2, x.options())), 1);
        return cutout(x, centres);
    }

    /**
     * Cutout at given centres {@code [B, 2]} (long; row, column): rows
     * {@code [centre - size / 2, centre - size / 2 + size)} and likewise columns are zeroed
     * (a mask multiply, differentiable in x).
     */
    static Tensor cutout(Tensor x, Tensor centres) {
        long b = x.size(0);
        long h = x.size(2);
        long w = x.size(3);
        long sh = cutoutSize(h);
        long sw = cutoutSize(w);
        TensorOptions longs = Draws.longs(x);
        Tensor top = centres.narrow(1, 0, 1).sub(whole(sh / 2)).view(b, 1, 1);
        Tensor left = centres.narrow(1, 1, 1).sub(whole(sw / 2)).view(b, 1, 1);
        Tensor r = torch.arange(whole(h), longs).view(1, h, 1);
        Tensor col = torch.arange(whole(w), longs).view(1, 1, w);
        Tensor inRows = r.ge(top).logical_and(r.lt(top.add(whole(sh))));                  // [B, H, 1]
        Tensor inCols = col.ge(left).logical_and(col.lt(left.add(whole(sw))));             // [B, 1, W]
        Tensor keep = inRows.logical_and(inCols).logical_not().to(Tensors.dtype(x)).unsqueeze(1); // [B, 1, H, W]
        return x.mul(keep);
    }
}
