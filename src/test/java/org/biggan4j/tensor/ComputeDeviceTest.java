package org.biggan4j.tensor;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComputeDeviceTest {

    @Test
    void parsesTheAcceptedForms() {
        assertEquals(ComputeDevice.CPU, ComputeDevice.parse("cpu"));
        assertEquals(new ComputeDevice("cuda", 0), ComputeDevice.parse("CUDA"));
        assertEquals(new ComputeDevice("cuda", 3), ComputeDevice.parse("cuda:3"));
        assertEquals("cuda:3", ComputeDevice.parse("cuda:3").toString());
        assertEquals(ComputeDevice.META, ComputeDevice.parse("meta"));
    }

    @Test
    void rejectsUnknownDevicesWithTheAcceptedForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("gpu"));
        assertTrue(e.getMessage().contains("'gpu'") && e.getMessage().contains("cuda:N"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("cpu:1"));
    }

    @Test
    void cudaWithoutAGpuFailsWithTheFix() {
        if (torch.cuda_is_available()) {
            return; // the message below is for CPU-only builds and machines
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ComputeDevice.parse("cuda").requireAvailable());
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }

    @Test
    void tensorsRoundTripThroughJavaArrays() {
        Tensor t = Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, ComputeDevice.CPU, 2, 3);
        assertArrayEquals(new long[] {2, 3}, Tensors.shape(t));
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, Tensors.toFloats(t.t()));
        assertArrayEquals(new long[] {7, -1}, Tensors.toLongs(Tensors.fromLongs(new long[] {7, -1}, ComputeDevice.CPU, 2)));
        assertThrows(IllegalArgumentException.class, () -> Tensors.fromFloats(new float[3], ComputeDevice.CPU, 2, 2));
    }

    @Test
    void metaTensorsHaveShapesButNoStorage() {
        Tensor t = Tensors.zeros(ComputeDevice.META, torch.ScalarType.Float, 1000, 1000, 100);
        assertEquals(100_000_000L, t.numel());
        assertTrue(t.device().is_meta());
    }

    @Test
    void derivedSeedsAreStableAndDistinct() {
        assertEquals(Seeds.derive(1, "loader"), Seeds.derive(1, "loader"));
        assertTrue(Seeds.derive(1, "loader") != Seeds.derive(1, "noise"));
        assertTrue(Seeds.derive(1, "loader") != Seeds.derive(2, "loader"));
        assertEquals(Seeds.stream(5, "x").nextLong(), Seeds.stream(5, "x").nextLong());
    }
}
