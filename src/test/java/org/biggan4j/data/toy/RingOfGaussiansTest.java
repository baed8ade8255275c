package org.biggan4j.data.toy;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring data and the coverage metric agree with each other and with hand-made point sets. */
class RingOfGaussiansTest {

    @Test
    void realSamplesCoverEveryModeAndAlmostAllAreHighQuality() {
        Seeds.seedTorch(4);
        RingOfGaussians ring = RingOfGaussians.standard();
        ModeCoverage.Result r = new ModeCoverage(ring, 20).evaluate(ring.sample(20_000, ComputeDevice.CPU));
        assertEquals(8, r.modesCovered());
        // Within 3 std in 2-D (a Rayleigh radius): 1 - exp(-9/2) = 98.9%.
        assertEquals(1 - Math.exp(-4.5), r.highQualityFraction(), 0.003);
        for (int count : r.highQualityPerMode()) {
            assertEquals(20_000 * 0.989 / 8, count, 150);
        }
    }

    @Test
    void centresLieOnTheRing() {
        double[][] c = new RingOfGaussians(4, 2.0, 0.1).centers();
        assertArrayEquals(new double[] {2, 0}, c[0], 1e-12);
        assertArrayEquals(new double[] {0, 2}, c[1], 1e-12);
        assertArrayEquals(new double[] {-2, 0}, c[2], 1e-12);
    }

    @Test
    void collapsedAndOffRingSamplesAreScoredAsSuch() {
        RingOfGaussians ring = RingOfGaussians.standard();
        ModeCoverage coverage = new ModeCoverage(ring, 3);
        // 4 points on mode 0, 2 on mode 2 (below the minimum of 3), 2 far from every mode.
        double[] xy = {2, 0, 2.01, 0, 1.99, 0.01, 2, -0.05, 0, 2, 0.02, 2, 0, 0, 1.0, 1.0};
        ModeCoverage.Result r = coverage.evaluate(xy);
        assertEquals(1, r.modesCovered());
        assertEquals(6.0 / 8, r.highQualityFraction(), 1e-12);
        assertArrayEquals(new int[] {4, 0, 2, 0, 0, 0, 0, 0}, r.highQualityPerMode());
        assertEquals(r.highQualityFraction(), coverage.evaluate(Tensors.fromDoubles(xy, ComputeDevice.CPU, 8, 2))
                .highQualityFraction(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new RingOfGaussians(8, 2.0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ModeCoverage(ring, 0));
        assertTrue(r.toString().contains("1/8 modes"));
    }
}
