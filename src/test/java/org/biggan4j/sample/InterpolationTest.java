package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterpolationTest {

    @Test
    void bothPathsStartAndEndExactlyAtTheEndPoints() {
        NativeMemory.scoped(() -> {
            Seeds.seedTorch(3);
            Tensor a = Tensors.randn(ComputeDevice.CPU, 120);
            Tensor b = Tensors.randn(ComputeDevice.CPU, 120);
            for (Interpolation kind : Interpolation.values()) {
                Tensor path = kind.path(a, b, 7);
                assertArrayEquals(new long[] {7, 120}, Tensors.shape(path));
                assertTrue(torch.equal(path.select(0, 0), a), kind + " starts at a");
                assertTrue(torch.equal(path.select(0, 6), b), kind + " ends at b");
            }
        });
    }

    @Test
    void linearPathIsEvenlySpacedOnTheSegment() {
        NativeMemory.scoped(() -> {
            Tensor a = Tensors.fromDoubles(new double[] {0, 2, -4}, ComputeDevice.CPU, 3);
            Tensor b = Tensors.fromDoubles(new double[] {4, 2, 0}, ComputeDevice.CPU, 3);
            Tensor path = Interpolation.LINEAR.path(a, b, 5);
            assertArrayEquals(new double[] {0, 2, -4, 1, 2, -3, 2, 2, -2, 3, 2, -1, 4, 2, 0},
                    Tensors.toDoubles(path.reshape(-1)), 1e-12);
        });
    }

    @Test
    void sphericalPathFollowsTheGreatCircleWithLinearlyInterpolatedNorm() {
        NativeMemory.scoped(() -> {
            // Orthogonal end points of norms 1 and 3: the direction turns by t * 90 degrees.
            Tensor a = Tensors.fromDoubles(new double[] {1, 0}, ComputeDevice.CPU, 2);
            Tensor b = Tensors.fromDoubles(new double[] {0, 3}, ComputeDevice.CPU, 2);
            Tensor path = Interpolation.SPHERICAL.path(a, b, 5);
            for (int i = 0; i < 5; i++) {
                double t = i / 4.0;
                double norm = 1 + 2 * t;
                double[] row = Tensors.toDoubles(path.select(0, i));
                assertArrayEquals(new double[] {norm * Math.cos(t * Math.PI / 2), norm * Math.sin(t * Math.PI / 2)}, row,
                        1e-12, "step " + i);
            }
        });
    }

    @Test
    void sphericalKeepsHighDimensionalGaussianNormsWhereLinearShrinksThem() {
        NativeMemory.scoped(() -> {
            Seeds.seedTorch(9);
            Tensor a = Tensors.randn(ComputeDevice.CPU, 512).to(torch.ScalarType.Double);
            Tensor b = Tensors.randn(ComputeDevice.CPU, 512).to(torch.ScalarType.Double);
            double typical = Math.sqrt(512);
            double lerpMid = Interpolation.LINEAR.path(a, b, 3).select(0, 1).norm().item_double();
            double slerpMid = Interpolation.SPHERICAL.path(a, b, 3).select(0, 1).norm().item_double();
            assertEquals(typical / Math.sqrt(2), lerpMid, 0.1 * typical, "independent halves: norm / sqrt 2");
            assertEquals((a.norm().item_double() + b.norm().item_double()) / 2, slerpMid, 1e-9);
        });
    }

    @Test
    void parallelEndPointsFallBackToTheLineAndBadInputIsRefused() {
        NativeMemory.scoped(() -> {
            Tensor a = Tensors.fromDoubles(new double[] {1, 1}, ComputeDevice.CPU, 2);
            Tensor b = Tensors.fromDoubles(new double[] {3, 3}, ComputeDevice.CPU, 2);
            assertArrayEquals(new double[] {2, 2}, Tensors.toDoubles(Interpolation.SPHERICAL.path(a, b, 3).select(0, 1)),
                    1e-12);
            assertThrows(IllegalArgumentException.class, () -> Interpolation.LINEAR.path(a, b, 1));
            assertThrows(IllegalArgumentException.class, () -> Interpolation.LINEAR.path(a,
                    Tensors.fromDoubles(new double[] {1, 2, 3}, ComputeDevice.CPU, 3), 4));
        });
        assertEquals(Interpolation.SPHERICAL, Interpolation.parse(" Slerp"));
        assertEquals(Interpolation.LINEAR, Interpolation.parse("linear"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Interpolation.parse("cubic"));
        assertTrue(e.getMessage().contains("linear or spherical"), e.getMessage());
    }
}
