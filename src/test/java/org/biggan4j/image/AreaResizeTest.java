package org.biggan4j.image;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AreaResizeTest {

    static ImageBytes random(int channels, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[channels * h * w];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return new ImageBytes(channels, h, w, b);
    }

    @Test
    void matchesAnIndependentAreaAverageForNonIntegerFactors() {
        int[][] sizes = {{37, 53, 16}, {64, 48, 20}, {53, 37, 7}, {100, 100, 30}, {13, 17, 32}, {30, 30, 30}};
        for (int[] s : sizes) {
            ImageBytes im = random(3, s[0], s[1], s[0] * 31L + s[1]);
            ImageBytes out = AreaResize.cropAndResize(im, s[2]);
            int side = Math.min(s[0], s[1]);
            double[] ref = ReferenceArea.average(im, (s[0] - side) / 2, (s[1] - side) / 2, side, s[2]);
            double maxError = 0;
            for (int k = 0; k < ref.length; k++) {
                maxError = Math.max(maxError, Math.abs((out.chw()[k] & 0xFF) - ref[k]));
            }
            // Rounding to a byte: at most half a level, plus float noise in the reference.
            assertTrue(maxError <= 0.5 + 1e-6, "max error " + maxError + " for " + Arrays.toString(s));
        }
    }

    @Test
    void integerFactorsAreBlockMeansAndTheSameSizeIsACopy() {
        byte[] px = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, (byte) 130, (byte) 140, (byte) 150};
        byte[] half = AreaResize.resizeSquare(px, 1, 4, 2);
        // Top-left block {0, 10, 40, 50} has mean 25; top-right {20, 30, 60, 70} 45, and so on.
        assertArrayEquals(new byte[] {25, 45, 105, 125}, half);
        assertArrayEquals(px, AreaResize.resizeSquare(px, 1, 4, 4));
    }

    @Test
    void centreCropKeepsTheMiddleOfTheLongEdge() {
        // A 1x5 row of 0,50,100,150,200 in a 1-high image: the crop is the middle pixel.
        byte[] px = {0, 50, 100, (byte) 150, (byte) 200};
        ImageBytes out = AreaResize.cropAndResize(new ImageBytes(1, 1, 5, px), 1);
        assertEquals(100, out.get(0, 0, 0));
    }
}
