package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.Locale;

/**
 * Paths between two latents or two class vectors for interpolation sheets (BigGAN figure 8
 * interpolates z with the class held fixed, and the class embedding with z held fixed).
 */
public enum Interpolation {

    /** {@code (1 - t) a + t b}: what the paper uses, and what keeps a truncated z inside its box. */
    LINEAR,

    /**
     * Spherical: along the great circle, scaling the norm linearly between the end points. Under
     * N(0, I) in high dimension, lerp's midpoints have about 0.71 of a typical latent's norm,
     * which the generator rarely saw in training; slerp keeps norms typical (Shoemake 1985; White 2016).
     */
    SPHERICAL;

    /** Reads {@code linear}/{@code lerp} or {@code spherical}/{@code slerp}. */
    public static Interpolation parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "linear", "lerp" -> LINEAR;
            case "spherical", "slerp" -> SPHERICAL;
            default -> throw new IllegalArgumentException("Unknown interpolation '" + text + "': use linear or spherical.");
        };
    }

    /**
     * {@code steps} points from {@code a} to {@code b} inclusive, both {@code [D]}: returns
     * {@code [steps, D]} in the caller's scope, row 0 equal to a and the last row equal to b.
     */
    public Tensor path(Tensor a, Tensor b, int steps) {
        if (steps < 2) {
            throw new IllegalArgumentException("An interpolation needs >= 2 steps, got " + steps + ".");
        }
        if (a.dim() != 1 || b.dim() != 1 || a.size(0) != b.size(0)) {
            throw new IllegalArgumentException("Interpolation end points must be vectors of one length.");
        }
        double[] wa = new double[steps];
        double[] wb = new double[steps];
        double na = a.norm().item_double();
        double nb = b.norm().item_double();
        double omega = Math.acos(Math.max(-1, Math.min(1, a.dot(b).item_double() / (na * nb))));
        // (Anti-)parallel end points leave the great circle undefined: fall back to a line.
        boolean line = this == LINEAR || !(Math.sin(omega) > 1e-6);
        for (int i = 0; i < steps; i++) {
            double t = (double) i / (steps - 1);
            if (line) {
                wa[i] = 1 - t;
                wb[i] = t;
            } else {
                // Unit directions weighted along the arc, then the norm interpolated linearly.
                double norm = (1 - t) * na + t * nb;
                wa[i] = Math.sin((1 - t) * omega) / Math.sin(omega) / na * norm;
                wb[i] = Math.sin(t * omega) / Math.sin(omega) / nb * norm;
            }
        }
        Tensor ta = Tensors.fromDoubles(wa, ComputeDevice.CPU, steps, 1).to(a.device(), a.scalar_type());
        Tensor tb = Tensors.fromDoubles(wb, ComputeDevice.CPU, steps, 1).to(a.device(), a.scalar_type());
        Tensor out = a.unsqueeze(0).mul(ta).add(b.unsqueeze(0).mul(tb));
        // Exact end points: floating-point sums and sines need not land on them.
        out.select(0, 0).copy_(a);
        out.select(0, steps - 1).copy_(b);
        return out;
    }
}
