package org.biggan4j.augment;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Sample moments of draws, and assertions on them with tolerances of a few standard errors. */
final class Moments {

    private Moments() {
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** Asserts the sample mean and standard deviation of {@code t}'s values. */
    static void assertMoments(Tensor t, double mean, double std, double tolerance, String what) {
        double[] v = Tensors.toDoubles(t.contiguous());
        assertEquals(mean, mean(v), tolerance, what + ": mean");
        assertEquals(std, std(v), tolerance, what + ": standard deviation");
    }

    /** The fraction of {@code values} equal to {@code x}. */
    static double fraction(double[] values, double x) {
        int n = 0;
        for (double v : values) {
            if (v == x) {
                n++;
            }
        }
        return (double) n / values.length;
    }
}
