package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluationBatchTest {

    @Test
    void shrinksWithTheSquareOfTheResolutionOnTheCpu() {
        assertEquals(256, EvaluationBatch.of(28, ComputeDevice.CPU));
        assertEquals(256, EvaluationBatch.of(32, ComputeDevice.CPU));
        assertEquals(64, EvaluationBatch.of(64, ComputeDevice.CPU));
        assertEquals(16, EvaluationBatch.of(128, ComputeDevice.CPU));
        assertEquals(4, EvaluationBatch.of(256, ComputeDevice.CPU));
        assertEquals(1, EvaluationBatch.of(512, ComputeDevice.CPU));
        assertEquals(1, EvaluationBatch.of(1024, ComputeDevice.CPU));
        assertThrows(IllegalArgumentException.class, () -> EvaluationBatch.of(0, ComputeDevice.CPU));
    }

    @Test
    void splitsIntoNearEqualBatchesThatLoseLittle() {
        // 500 images at 32 px: two batches of 250 (not 256 + 244).
        assertEquals(250, EvaluationBatch.splitting(500, 32, ComputeDevice.CPU));
        assertEquals(100, EvaluationBatch.splitting(100, 32, ComputeDevice.CPU));
        for (int n = 1; n < 2000; n += 37) {
            int b = EvaluationBatch.splitting(n, 128, ComputeDevice.CPU);
            assertTrue(b >= 1 && b <= 16);
            int batches = (n + 15) / 16;
            assertTrue(n - batches * b < batches, "at most one image per batch is left over: n " + n);
        }
    }
}
