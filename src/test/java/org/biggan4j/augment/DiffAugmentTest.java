package org.biggan4j.augment;

import org.biggan4j.config.TrainConfig.DiffAugmentOp;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.biggan4j.augment.Moments.assertMoments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each DiffAugment operation against the official definitions (Zhao et al. 2020): the factors it
 * draws per sample have the documented distributions, translation moves a one-hot pixel by the
 * drawn shift with zero padding, and cutout zeroes exactly the (clipped) half-size square.
 */
class DiffAugmentTest {

    private static final int N = 4000;

    /** A random [n, c, h, w] batch in [-1, 1] (float64 for exact comparisons). */
    static Tensor images(long n, long c, long h, long w) {
        return torch.rand(new long[] {n, c, h, w}, ComputeDevice.CPU.options(torch.ScalarType.Double))
                .mul(Draws.s(2)).sub(Draws.s(1));
    }

    @Test
    void brightnessAddsOneUniformShiftOfHalfWidthHalfPerSample() {
        Seeds.seedTorch(1);
        Tensor x = images(N, 3, 2, 2);
        Tensor shift = DiffAugment.brightness(x).sub(x);                       // [N, 3, 2, 2]
        Tensor first = shift.reshape(N, 12).narrow(1, 0, 1);
        assertTrue(torch.allclose(shift.reshape(N, 12), first.expand(N, 12), 0, 1e-12, false),
                "one shift per sample, the same for every pixel and channel");
        // U(-0.5, 0.5): mean 0, standard deviation 1 / sqrt(12).
        assertMoments(first, 0, Math.sqrt(1.0 / 12), 0.015, "brightness shift");
        assertTrue(first.min().item_double() >= -0.5 && first.max().item_double() < 0.5, "within (-0.5, 0.5)");
    }

    @Test
    void saturationScalesTheDistanceFromTheChannelMeanByUniformZeroToTwo() {
        Seeds.seedTorch(2);
        Tensor x = images(N, 3, 1, 1);
        Tensor mean = x.mean(new long[] {1}, true, new ScalarTypeOptional());
        Tensor y = DiffAugment.saturation(x);
        assertTrue(torch.allclose(y.mean(new long[] {1}, true, new ScalarTypeOptional()), mean, 0, 1e-12, false),
                "the per-pixel channel mean is kept");
        Tensor factor = y.sub(mean).div(x.sub(mean)).narrow(1, 0, 1);
        assertMoments(factor, 1, Math.sqrt(4.0 / 12), 0.03, "saturation factor U(0, 2)");
        Tensor grey = images(8, 1, 4, 4);
        assertTrue(torch.equal(DiffAugment.saturation(grey), grey), "a 1-channel image is its own mean: unchanged");
    }

    @Test
    void contrastScalesTheDistanceFromTheImageMeanByUniformHalfToOneAndAHalf() {
        Seeds.seedTorch(3);
        Tensor x = images(N, 3, 2, 2);
        Tensor mean = x.mean(new long[] {1, 2, 3}, true, new ScalarTypeOptional());
        Tensor y = DiffAugment.contrast(x);
        assertTrue(torch.allclose(y.mean(new long[] {1, 2, 3}, true, new ScalarTypeOptional()), mean, 0, 1e-12,
                false), "the image mean is kept");
        Tensor factor = y.sub(mean).div(x.sub(mean)).reshape(N, 12).narrow(1, 0, 1);
        assertMoments(factor, 1, Math.sqrt(1.0 / 12), 0.015, "contrast factor U(0.5, 1.5)");
    }

    /** A batch of n 1-channel h x w images, each 0 but for a 1 at (row, col). */
    static Tensor oneHot(int n, int h, int w, int row, int col) {
        Tensor x = torch.zeros(new long[] {n, 1, h, w}, ComputeDevice.CPU.options(torch.ScalarType.Double));
        x.select(2, row).select(2, col).fill_(Draws.s(1));
        return x;
    }

    @Test
    void translationMovesAOneHotPixelByTheGivenShiftWithZeroPadding() {
        Tensor x = oneHot(3, 8, 8, 4, 5);
        Tensor shifts = Tensors.fromLongs(new long[] {1, -2, 0, 0, -1, 3}, ComputeDevice.CPU, 3, 2);
        double[] y = Tensors.toDoubles(DiffAugment.translation(x, shifts));
        // Output (i, j) = input (i + dy, j + dx): the pixel moves to (4 - dy, 5 - dx).
        int[][] expected = {{3, 7}, {4, 5}, {5, 2}};
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    double want = i == expected[b][0] && j == expected[b][1] ? 1 : 0;
                    assertEquals(want, y[b * 64 + i * 8 + j], "sample " + b + " pixel (" + i + ", " + j + ")");
                }
            }
        }
        // Zero padding: a shift by 2 rows empties the last two rows of an image of ones.
        Tensor ones = torch.ones(new long[] {1, 1, 8, 8}, ComputeDevice.CPU.options(torch.ScalarType.Double));
        Tensor shifted = DiffAugment.translation(ones, Tensors.fromLongs(new long[] {2, 0}, ComputeDevice.CPU, 1, 2));
        assertEquals(48, shifted.sum().item_double(), "6 rows of 8 ones remain");
        assertEquals(0, shifted.narrow(2, 6, 2).abs().sum().item_double(), "the rows shifted in are zero");
    }

    @Test
    void translationDrawsIntegerShiftsUniformlyUpToAnEighthOfTheSide() {
        Seeds.seedTorch(4);
        int n = 2500;
        Tensor y = DiffAugment.translation(oneHot(n, 16, 16, 8, 8));
        assertEquals(2, DiffAugment.maxShift(16), "int(16 / 8 + 0.5)");
        double[] v = Tensors.toDoubles(y);
        int[] rowCounts = new int[5];
        int[] colCounts = new int[5];
        for (int b = 0; b < n; b++) {
            int at = -1;
            for (int k = 0; k < 256; k++) {
                if (v[b * 256 + k] == 1) {
                    assertEquals(-1, at, "one pixel only");
                    at = k;
                } else {
                    assertEquals(0, v[b * 256 + k], "everything else is 0");
                }
            }
            assertTrue(at >= 0, "a centre pixel never leaves a 16 px image under a shift of at most 2");
            rowCounts[8 - at / 16 + 2]++;
            colCounts[8 - at % 16 + 2]++;
        }
        for (int k = 0; k < 5; k++) {
            assertEquals(0.2, rowCounts[k] / (double) n, 0.03, "row shift " + (k - 2));
            assertEquals(0.2, colCounts[k] / (double) n, 0.03, "column shift " + (k - 2));
        }
    }

    @Test
    void cutoutZeroesExactlyTheHalfSizeSquareAtTheGivenCentreClippedToTheImage() {
        Tensor ones = torch.ones(new long[] {3, 2, 8, 8}, ComputeDevice.CPU.options(torch.ScalarType.Double));
        Tensor centres = Tensors.fromLongs(new long[] {4, 4, 0, 8, 6, 1}, ComputeDevice.CPU, 3, 2);
        double[] y = Tensors.toDoubles(DiffAugment.cutout(ones, centres));
        long[][] c = {{4, 4}, {0, 8}, {6, 1}};
        for (int b = 0; b < 3; b++) {
            for (int ch = 0; ch < 2; ch++) {
                for (int i = 0; i < 8; i++) {
                    for (int j = 0; j < 8; j++) {
                        boolean cut = i >= c[b][0] - 2 && i < c[b][0] + 2 && j >= c[b][1] - 2 && j < c[b][1] + 2;
                        assertEquals(cut ? 0 : 1, y[((b * 2 + ch) * 8 + i) * 8 + j],
                                "sample " + b + " (" + i + ", " + j + ")");
                    }
                }
            }
        }
    }

    @Test
    void cutoutDrawsItsCentreUniformlyOverTheImage() {
        Seeds.seedTorch(5);
        int n = 3400;
        double[] y = Tensors.toDoubles(DiffAugment.cutout(
                torch.ones(new long[] {n, 1, 16, 16}, ComputeDevice.CPU.options(torch.ScalarType.Double))));
        assertEquals(8, DiffAugment.cutoutSize(16));
        int[] centreCounts = new int[17];
        for (int b = 0; b < n; b++) {
            int top = 16;
            int bottom = -1;
            int left = 16;
            int right = -1;
            int zeros = 0;
            for (int k = 0; k < 256; k++) {
                if (y[b * 256 + k] == 0) {
                    zeros++;
                    top = Math.min(top, k / 16);
                    bottom = Math.max(bottom, k / 16);
                    left = Math.min(left, k % 16);
                    right = Math.max(right, k % 16);
                }
            }
            int height = bottom - top + 1;
            int width = right - left + 1;
            assertEquals(height * width, zeros, "the zeros form one rectangle");
            assertTrue(height <= 8 && height >= 4 && width <= 8 && width >= 4, height + " x " + width);
            // An 8-row square clipped at most on one side: its centre is top + 4 unless clipped at the top.
            int centre = top > 0 ? top + 4 : bottom + 1 - 4;
            assertTrue(height == 8 || top == 0 || bottom == 15, "only a clipped square is smaller");
            centreCounts[centre]++;
        }
        for (int k = 0; k <= 16; k++) {
            assertEquals(1.0 / 17, centreCounts[k] / (double) n, 0.02, "row centre " + k);
        }
    }

    @Test
    void theSameSeedDrawsTheSameAugmentationAndAnotherSeedAnother() {
        DiffAugment all = new DiffAugment(List.of(DiffAugmentOp.COLOR, DiffAugmentOp.TRANSLATION,
                DiffAugmentOp.CUTOUT));
        Seeds.seedTorch(6);
        Tensor x = images(8, 3, 16, 16);
        Seeds.seedTorch(7);
        Tensor a = all.apply(x);
        Seeds.seedTorch(7);
        Tensor b = all.apply(x);
        Seeds.seedTorch(8);
        Tensor c = all.apply(x);
        assertTrue(torch.equal(a, b), "same seed, same draws");
        assertFalse(torch.equal(a, c), "another seed, other draws");
    }

    @Test
    void anEmptyPolicyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DiffAugment(List.of()));
    }
}
