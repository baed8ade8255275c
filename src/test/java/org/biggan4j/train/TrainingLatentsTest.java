package org.biggan4j.train;

import org.biggan4j.config.TrainConfig.Latent;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingLatentsTest {

    private static double[] draw(Latent latent) {
        Seeds.seedTorch(9);
        return Tensors.toDoubles(new TrainingLatents(latent, 50, 10, ComputeDevice.CPU).latents(400));
    }

    @Test
    void eachDistributionHasItsSupportAndMoments() {
        double[] normal = draw(Latent.NORMAL);
        assertEquals(0, Arrays.stream(normal).average().orElseThrow(), 0.02);
        double[] uniform = draw(Latent.UNIFORM);
        assertTrue(Arrays.stream(uniform).allMatch(v -> v >= -1 && v <= 1));
        assertEquals(1.0 / 3, Arrays.stream(uniform).map(v -> v * v).average().orElseThrow(), 0.01);
        double[] bernoulli = draw(Latent.BERNOULLI);
        assertTrue(Arrays.stream(bernoulli).allMatch(v -> v == 0 || v == 1));
        assertEquals(0.5, Arrays.stream(bernoulli).average().orElseThrow(), 0.01);
        double[] censored = draw(Latent.CENSORED_NORMAL);
        assertTrue(Arrays.stream(censored).allMatch(v -> v >= 0));
        assertEquals(0.5, Arrays.stream(censored).filter(v -> v == 0).count() / (double) censored.length, 0.01);
    }

    @Test
    void classesAreUniformOverTheRangeAndAbsentWhenUnconditional() {
        Seeds.seedTorch(2);
        long[] c = Tensors.toLongs(new TrainingLatents(Latent.NORMAL, 4, 10, ComputeDevice.CPU).classes(5000));
        int[] counts = new int[10];
        for (long v : c) {
            counts[(int) v]++;
        }
        for (int n : counts) {
            assertEquals(500, n, 80);
        }
        assertNull(new TrainingLatents(Latent.NORMAL, 4, 0, ComputeDevice.CPU).classes(3));
    }
}
