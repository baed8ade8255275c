package org.biggan4j.train;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ExponentialMovingAverageTest {

    @Test
    void averagesExactlyAfterTheStartAndCopiesBefore() {
        LinearImpl source = new LinearImpl(2, 2);
        LinearImpl target = new LinearImpl(2, 2);
        try (NoGradGuard g = new NoGradGuard()) {
            // dyadic values: every product and sum below is exact in float32
            source.weight().copy_(Tensors.fromFloats(new float[] {1, 2, 3, 4}, ComputeDevice.CPU, 2, 2));
            source.bias().fill_(new Scalar(8));
        }
        ExponentialMovingAverage ema = new ExponentialMovingAverage(source, target, 0.75, 10);
        ema.update(5); // before the start: a copy
        assertArrayEquals(Tensors.toFloats(source.weight()), Tensors.toFloats(target.weight()));
        try (NoGradGuard g = new NoGradGuard()) {
            source.weight().add_(new Scalar(4));
            source.bias().fill_(new Scalar(0));
        }
        ema.update(10); // 0.75 * old + 0.25 * new
        assertArrayEquals(new float[] {0.75f * 1 + 0.25f * 5, 0.75f * 2 + 0.25f * 6, 0.75f * 3 + 0.25f * 7,
                0.75f * 4 + 0.25f * 8}, Tensors.toFloats(target.weight()));
        assertArrayEquals(new float[] {6, 6}, Tensors.toFloats(target.bias()));
    }
}
