package org.biggan4j.data.toy;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The classic mode-collapse benchmark (Metz et al. 2017, "Unrolled GANs", section 3.1): an
 * equal mixture of {@code modes} isotropic 2-D Gaussians with standard deviation {@code std}
 * whose means lie evenly on a circle of radius {@code radius} (mode k at angle 2 pi k / modes).
 * A generator that collapses covers only some of the modes.
 */
public record RingOfGaussians(int modes, double radius, double std) {

    public RingOfGaussians {
        if (modes < 1) {
            throw new IllegalArgumentException("A ring of Gaussians needs at least one mode, got " + modes + ".");
        }
        if (!(radius > 0) || !Double.isFinite(radius)) {
            throw new IllegalArgumentException("The ring radius must be a positive number, got " + radius + ".");
        }
        if (!(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("The per-mode standard deviation must be positive, got " + std + ".");
        }
    }

    /** Eight modes on a radius-2 ring with std 0.02, the usual setting (Metz et al. 2017). */
    public static RingOfGaussians standard() {
        return new RingOfGaussians(8, 2.0, 0.02);
    }

    /** The mode means, {@code [modes][2]}. */
    public double[][] centers() {
        double[][] c = new double[modes][2];
        for (int k = 0; k < modes; k++) {
            double angle = 2 * Math.PI * k / modes;
            c[k][0] = radius * Math.cos(angle);
            c[k][1] = radius * Math.sin(angle);
        }
        return c;
    }

    /**
     * {@code n} samples {@code [n, 2]}, float32, on {@code device}, drawn with libtorch's seeded
     * generator (so {@code Seeds.seedTorch} makes them reproducible).
     */
    public Tensor sample(int n, ComputeDevice device) {
        if (n <= 0) {
            throw new IllegalArgumentException("The number of samples must be positive, got " + n + ".");
        }
        double[][] c = centers();
        float[] flat = new float[modes * 2];
        for (int k = 0; k < modes; k++) {
            flat[2 * k] = (float) c[k][0];
            flat[2 * k + 1] = (float) c[k][1];
        }
        Tensor means = Tensors.fromFloats(flat, device, modes, 2);                                   // [K, 2]
        Tensor which = torch.randint(modes, new long[] {n}, device.options(torch.ScalarType.Long));   // [n]
        Tensor noise = Tensors.randn(device, n, 2).mul(new Scalar(std));                             // [n, 2]
        return torch.index_select(means, 0, which).add(noise);
    }
}
