package org.biggan4j.eval;

import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.data.ArrayImages;
import org.biggan4j.model.Discriminator;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemorisationTest {

    /** A "discriminator" that scores the mean brightness of an image: it has memorised bright images. */
    private static final class Brightness extends Discriminator {
        private final double offset;
        private final double sign;

        Brightness(double offset, double sign) {
            this.offset = offset;
            this.sign = sign;
        }

        @Override
        public Tensor forward(Tensor images, Tensor classes) {
            return images.mean(new long[] {1, 2, 3}, false, null).mul(new Scalar(sign))
                    .add(new Scalar(offset));
        }

        @Override
        public int numClasses() {
            return 0;
        }
    }

    /** {@code n} 8x8 images with bytes drawn from [lo, hi). */
    private static ArrayImages images(int n, int lo, int hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (lo + r.nextInt(hi - lo));
        }
        return new ArrayImages(pixels, new int[n], 1, 8, List.of("x"), "synthetic");
    }

    @Test
    void aDiscriminatorThatKnowsTheTrainingImagesIsCaught() {
        ArrayImages bright = images(40, 160, 256, 1);   // mean > 0 in [-1, 1]
        ArrayImages dark = images(30, 0, 100, 2);       // mean < 0
        try (Brightness d = new Brightness(0, 1)) {
            Memorisation.Result r = Memorisation.measure(d, 8, ObjectiveKind.HINGE, bright, dark, 25, 10, 3,
                    ComputeDevice.CPU, n -> { });
            assertEquals(25, r.images());
            assertEquals(1.0, r.trainAccuracy());
            assertEquals(0.0, r.heldOutAccuracy());
            assertEquals(1.0, r.auc());
            assertTrue(r.trainMean() > 0 && r.heldOutMean() < 0);
        }
        // An energy (EBGAN): low means real, and there is no absolute threshold.
        try (Brightness energy = new Brightness(5, -1)) {
            Memorisation.Result r = Memorisation.measure(energy, 8, ObjectiveKind.EBGAN, bright, dark, 20, 20, 3,
                    ComputeDevice.CPU, n -> { });
            assertEquals(1.0, r.trainAccuracy());
            assertEquals(0.0, r.heldOutAccuracy());
            assertEquals(1.0, r.auc());
            assertTrue(r.rule().contains("median"), r.rule());
        }
    }

    @Test
    void aDiscriminatorThatGeneralisesScoresBothSetsAlike() {
        ArrayImages a = images(200, 0, 256, 4);
        ArrayImages b = images(200, 0, 256, 5);
        try (Brightness d = new Brightness(0, 1)) {
            Memorisation.Result r = Memorisation.measure(d, 8, ObjectiveKind.LEAST_SQUARES, a, b, 200, 64, 3,
                    ComputeDevice.CPU, n -> { });
            assertEquals(0.5, r.auc(), 0.1, "same distribution");
            assertEquals(0.0, r.trainAccuracy(), "means near 0 never pass the least-squares midpoint 0.5");
        }
    }

    @Test
    void aucMatchesCountingPairsWithTiesHalved() {
        double[] a = {0.3, 0.9, 0.5, 0.5, -1};
        double[] b = {0.5, 0.1, 0.2, 0.9};
        double wins = 0;
        for (double x : a) {
            for (double y : b) {
                wins += x > y ? 1 : x == y ? 0.5 : 0;
            }
        }
        assertEquals(wins / (a.length * b.length), Memorisation.auc(a, b), 1e-12);
        assertEquals(0.6, Memorisation.accuracy(a, 0.4, 1), 1e-12);
        assertEquals(0.4, Memorisation.accuracy(a, 0.4, -1), 1e-12);
    }

    @Test
    void mismatchedDataAreRefused() {
        try (Brightness d = new Brightness(0, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Memorisation.measure(d, 8,
                    ObjectiveKind.HINGE, images(1, 0, 10, 1), images(5, 0, 10, 2), 10, 4, 1, ComputeDevice.CPU, n -> { }));
            assertTrue(e.getMessage().contains(">= 2 images"), e.getMessage());
        }
    }
}
