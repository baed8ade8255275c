package org.biggan4j.augment;

import org.biggan4j.augment.AdaPipeline.Op;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.biggan4j.augment.DiffAugmentTest.images;
import static org.biggan4j.augment.DiffAugmentTest.oneHot;
import static org.biggan4j.augment.Moments.assertMoments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each operation of ADA's 'bgc' pipeline at p = 1 against Karras et al. 2020, appendix B: exact
 * images for flips, 90-degree rotations and integer translations; the documented distributions
 * of the transform parameters for the others; the resampling and colour application; p = 0 as the
 * identity.
 */
class AdaPipelineTest {

    private static final int N = 10000;
    private static final TensorOptions DOUBLE = ComputeDevice.CPU.options(torch.ScalarType.Double);

    private static AdaPipeline only(Op op) {
        return new AdaPipeline(EnumSet.of(op));
    }

    /** Entry (i, j) of every sample's matrix, as [N, 1]. */
    private static Tensor entry(Tensor m, int i, int j) {
        return m.select(1, i).select(1, j).reshape(-1, 1);
    }

    private static boolean close(Tensor a, Tensor b) {
        return torch.allclose(a, b, 0, 1e-9, false);
    }

    @Test
    void pZeroIsTheIdentityAndDrawsNothing() {
        Seeds.seedTorch(1);
        Tensor x = images(4, 3, 8, 8);
        Seeds.seedTorch(2);
        assertSame(x, AdaPipeline.bgc().apply(x, 0), "the input itself");
        Tensor after = torch.rand(3);
        Seeds.seedTorch(2);
        assertTrue(torch.equal(after, torch.rand(3)), "the generator did not advance");
    }

    @Test
    void xflipMirrorsHalfTheSamplesExactly() {
        Seeds.seedTorch(3);
        int n = 400;
        Tensor x = images(n, 3, 6, 6);
        Tensor y = only(Op.XFLIP).apply(x, 1);
        Tensor flipped = torch.flip(x, 3);
        int mirrored = 0;
        for (int b = 0; b < n; b++) {
            boolean same = close(y.select(0, b), x.select(0, b));
            boolean flip = close(y.select(0, b), flipped.select(0, b));
            assertTrue(same ^ flip, "sample " + b + " is the image or its mirror image");
            mirrored += flip ? 1 : 0;
        }
        assertEquals(0.5, mirrored / (double) n, 0.08, "flipped with probability 1/2");
    }

    @Test
    void rotate90TurnsEachSampleByAUniformMultipleOfNinetyDegreesExactly() {
        Seeds.seedTorch(4);
        int n = 400;
        Tensor x = images(n, 1, 5, 5);
        Tensor y = only(Op.ROTATE90).apply(x, 1);
        int[] counts = new int[4];
        for (int b = 0; b < n; b++) {
            int found = -1;
            for (int k = 0; k < 4; k++) {
                if (close(y.select(0, b), torch.rot90(x.select(0, b), k, 1, 2))) {
                    assertEquals(-1, found, "one rotation only");
                    found = k;
                }
            }
            assertTrue(found >= 0, "sample " + b + " is a 90-degree rotation of its input");
            counts[found]++;
        }
        for (int k = 0; k < 4; k++) {
            assertEquals(0.25, counts[k] / (double) n, 0.07, "rotation by " + 90 * k + " degrees");
        }
    }

    @Test
    void integerTranslationMovesAOneHotPixelByRoundedUniformEighthsOfTheSide() {
        Seeds.seedTorch(5);
        int n = 2000;
        double[] y = Tensors.toDoubles(only(Op.XINT).apply(oneHot(n, 16, 16, 8, 8), 1));
        // round(U(-1, 1) * 0.125 * 16) = round(U(-2, 2)): P(0) = P(+-1) = 1/4, P(+-2) = 1/8.
        double[] expected = {0.125, 0.25, 0.25, 0.25, 0.125};
        int[] rows = new int[5];
        int[] cols = new int[5];
        for (int b = 0; b < n; b++) {
            int at = -1;
            for (int k = 0; k < 256; k++) {
                double v = y[b * 256 + k];
                if (Math.abs(v - 1) < 1e-9) {
                    at = k;
                } else {
                    assertEquals(0, v, 1e-9, "sample " + b + ": everything but the moved pixel stays 0");
                }
            }
            assertTrue(at >= 0, "sample " + b + " keeps its pixel");
            rows[at / 16 - 8 + 2]++;
            cols[at % 16 - 8 + 2]++;
        }
        for (int k = 0; k < 5; k++) {
            assertEquals(expected[k], rows[k] / (double) n, 0.035, "vertical shift " + (k - 2));
            assertEquals(expected[k], cols[k] / (double) n, 0.035, "horizontal shift " + (k - 2));
        }
    }

    @Test
    void isotropicScalingIsLognormalWithStdPointTwoOctaves() {
        Seeds.seedTorch(6);
        Tensor g = only(Op.SCALE).geometric(N, 16, 16, 1, DOUBLE);
        assertTrue(close(entry(g, 0, 0), entry(g, 1, 1)), "the same scale on both axes");
        assertTrue(close(entry(g, 0, 1), torch.zeros_like(entry(g, 0, 1))), "no shear");
        // G is the inverse transform: diag(1 / s, 1 / s), log2 s ~ N(0, 0.2^2).
        assertMoments(torch.log2(entry(g, 0, 0)).neg(), 0, 0.2, 0.01, "log2 of the scale");
    }

    @Test
    void anisotropicScalingKeepsTheAreaWithLognormalStdPointTwoOctaves() {
        Seeds.seedTorch(7);
        Tensor g = only(Op.ANISO).geometric(N, 16, 16, 1, DOUBLE);
        assertTrue(close(entry(g, 0, 0).mul(entry(g, 1, 1)), torch.ones_like(entry(g, 0, 0))), "s and 1 / s");
        assertMoments(torch.log2(entry(g, 0, 0)).neg(), 0, 0.2, 0.01, "log2 of the horizontal scale");
    }

    @Test
    void fractionalTranslationIsNormalWithStdAnEighthOfTheSide() {
        Seeds.seedTorch(8);
        Tensor g = only(Op.XFRAC).geometric(N, 32, 16, 1, DOUBLE);
        assertMoments(entry(g, 0, 2).div(Draws.s(32)), 0, 0.125, 0.01, "horizontal shift / width");
        assertMoments(entry(g, 1, 2).div(Draws.s(16)), 0, 0.125, 0.01, "vertical shift / height");
    }

    @Test
    void arbitraryRotationIsUniformAndHappensWithProbabilityP() {
        Seeds.seedTorch(9);
        Tensor g = only(Op.ROTATE).geometric(N, 16, 16, 1, DOUBLE);
        Tensor cos = entry(g, 0, 0);
        Tensor sin = entry(g, 1, 0);
        assertTrue(close(cos, entry(g, 1, 1)) && close(sin, entry(g, 0, 1).neg()), "a rotation");
        assertTrue(close(cos.mul(cos).add(sin.mul(sin)), torch.ones_like(cos)), "orthonormal");
        // Two rotations by U(-pi, pi) compose to a uniform angle on the circle: cos and sin have
        // mean 0 and variance 1/2.
        assertMoments(cos, 0, Math.sqrt(0.5), 0.025, "cos of the angle");
        assertMoments(sin, 0, Math.sqrt(0.5), 0.025, "sin of the angle");
        // Each of the two rotations with 1 - sqrt(1 - p): at p = 0.5 none happens with probability 1/2.
        Tensor half = only(Op.ROTATE).geometric(N, 16, 16, 0.5, DOUBLE);
        double identity = Moments.fraction(Tensors.toDoubles(entry(half, 1, 0).contiguous()), 0.0);
        assertEquals(0.5, identity, 0.03, "P(no rotation) = 1 - p");
    }

    @Test
    void everyOperationHappensWithProbabilityP() {
        Seeds.seedTorch(10);
        Tensor g = only(Op.SCALE).geometric(N, 16, 16, 0.3, DOUBLE);
        assertEquals(0.7, Moments.fraction(Tensors.toDoubles(entry(g, 0, 0).contiguous()), 1.0), 0.03,
                "unscaled with probability 1 - p");
        Tensor c = only(Op.BRIGHTNESS).colour(N, 3, 0.3, DOUBLE);
        assertEquals(0.7, Moments.fraction(Tensors.toDoubles(entry(c, 0, 3).contiguous()), 0.0), 0.03,
                "no brightness change with probability 1 - p");
    }

    @Test
    void geometricResamplingReflectsAtTheBorder() {
        Seeds.seedTorch(11);
        // A constant image stays constant under any transform only if the outside is filled by
        // reflection (zero padding would darken the corners).
        Tensor x = torch.full(new long[] {64, 3, 8, 8}, Draws.s(0.7), DOUBLE);
        Tensor y = new AdaPipeline(EnumSet.range(Op.XFLIP, Op.XFRAC)).apply(x, 1);
        assertTrue(torch.allclose(y, x, 0, 1e-9, false), "constant in, constant out");
    }

    @Test
    void brightnessAndContrastHaveTheirDocumentedDistributions() {
        Seeds.seedTorch(12);
        Tensor b = only(Op.BRIGHTNESS).colour(N, 3, 1, DOUBLE);
        assertMoments(entry(b, 0, 3), 0, 0.2, 0.01, "brightness N(0, 0.2^2)");
        assertTrue(close(entry(b, 0, 3), entry(b, 2, 3)), "the same shift for R, G, B");
        Tensor c = only(Op.CONTRAST).colour(N, 3, 1, DOUBLE);
        assertMoments(torch.log2(entry(c, 0, 0)), 0, 0.5, 0.02, "log2 of the contrast factor");
        assertTrue(close(entry(c, 0, 0), entry(c, 1, 1)) && close(entry(c, 3, 3), torch.ones_like(entry(c, 3, 3))),
                "diag(c, c, c, 1)");
    }

    @Test
    void lumaFlipReflectsAboutTheLumaAxisHalfTheTime() {
        Seeds.seedTorch(13);
        Tensor c = only(Op.LUMAFLIP).colour(N, 3, 1, DOUBLE);
        // I - 2 v v^T with v = (1, 1, 1) / sqrt(3): diagonal 1 - 2/3 = 1/3, off-diagonal -2/3.
        double[] diag = Tensors.toDoubles(entry(c, 0, 0).contiguous());
        int flips = 0;
        for (double d : diag) {
            assertTrue(Math.abs(d - 1) < 1e-12 || Math.abs(d - 1.0 / 3) < 1e-12, "identity or the reflection");
            flips += Math.abs(d - 1.0 / 3) < 1e-12 ? 1 : 0;
        }
        assertEquals(0.5, flips / (double) N, 0.03, "with probability 1/2");
        // On one channel the reflection negates the image.
        Seeds.seedTorch(14);
        Tensor x = images(200, 1, 4, 4);
        Tensor y = only(Op.LUMAFLIP).apply(x, 1);
        int negated = 0;
        for (int k = 0; k < 200; k++) {
            boolean same = close(y.select(0, k), x.select(0, k));
            boolean neg = close(y.select(0, k), x.select(0, k).neg());
            assertTrue(same ^ neg, "grey sample " + k + " is kept or negated");
            negated += neg ? 1 : 0;
        }
        assertEquals(0.5, negated / 200.0, 0.12);
    }

    @Test
    void hueRotatesAboutTheLumaAxisByAUniformAngle() {
        Seeds.seedTorch(15);
        Tensor c = only(Op.HUE).colour(N, 3, 1, DOUBLE);
        Tensor rgb = c.narrow(1, 0, 3).narrow(2, 0, 3);
        Tensor v = torch.ones(new long[] {N, 3, 1}, DOUBLE);
        assertTrue(close(rgb.bmm(v), v), "grey stays grey (the luma axis is fixed)");
        assertTrue(close(rgb.bmm(rgb.transpose(1, 2)), torch.eye(3, DOUBLE).expand(N, 3, 3)), "orthogonal");
        // trace = 1 + 2 cos(theta) with theta ~ U(-pi, pi): cos has mean 0, variance 1/2.
        Tensor cos = entry(c, 0, 0).add(entry(c, 1, 1)).add(entry(c, 2, 2)).sub(Draws.s(1)).div(Draws.s(2));
        assertMoments(cos, 0, Math.sqrt(0.5), 0.025, "cos of the hue angle");
    }

    @Test
    void saturationScalesChromaByALognormalWithStdOneOctave() {
        Seeds.seedTorch(16);
        Tensor c = only(Op.SATURATION).colour(N, 3, 1, DOUBLE);
        // v v^T + (I - v v^T) s: diagonal 1/3 + 2/3 s.
        Tensor s = entry(c, 0, 0).sub(Draws.s(1.0 / 3)).mul(Draws.s(1.5));
        assertMoments(torch.log2(s), 0, 1, 0.04, "log2 of the saturation factor");
    }

    @Test
    void hueAndSaturationLeaveGreyImagesExactlyAsTheyAre() {
        Seeds.seedTorch(17);
        Tensor x = images(16, 1, 4, 4);
        assertTrue(torch.equal(new AdaPipeline(EnumSet.of(Op.HUE, Op.SATURATION)).apply(x, 1), x));
    }

    @Test
    void theColourMatrixActsOnRgbAsAnAffineMap() {
        Seeds.seedTorch(18);
        Tensor x = images(6, 3, 2, 3);
        AdaPipeline colour = new AdaPipeline(EnumSet.range(Op.BRIGHTNESS, Op.SATURATION));
        Seeds.seedTorch(19);
        Tensor y = colour.apply(x, 1);
        Seeds.seedTorch(19);
        double[] m = Tensors.toDoubles(colour.colour(6, 3, 1, DOUBLE));
        double[] in = Tensors.toDoubles(x);
        double[] out = Tensors.toDoubles(y);
        for (int b = 0; b < 6; b++) {
            for (int p = 0; p < 6; p++) {
                for (int i = 0; i < 3; i++) {
                    double want = m[b * 16 + i * 4 + 3];
                    for (int j = 0; j < 3; j++) {
                        want += m[b * 16 + i * 4 + j] * in[(b * 3 + j) * 6 + p];
                    }
                    assertEquals(want, out[(b * 3 + i) * 6 + p], 1e-12, "sample " + b + " channel " + i);
                }
            }
        }
    }

    @Test
    void theSameSeedDrawsTheSameAugmentation() {
        Tensor x = images(8, 3, 8, 8);
        Seeds.seedTorch(20);
        Tensor a = AdaPipeline.bgc().apply(x, 0.8);
        Seeds.seedTorch(20);
        Tensor b = AdaPipeline.bgc().apply(x, 0.8);
        Seeds.seedTorch(21);
        Tensor c = AdaPipeline.bgc().apply(x, 0.8);
        assertTrue(torch.equal(a, b));
        assertFalse(torch.equal(a, c));
    }
}
