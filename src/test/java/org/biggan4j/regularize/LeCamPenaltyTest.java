package org.biggan4j.regularize;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LeCam (Tseng et al. 2021, eq. 3): value, gradient, the anchors' moving averages and their state. */
class LeCamPenaltyTest {

    private static Tensor scores(double... values) {
        return Tensors.fromDoubles(values, ComputeDevice.CPU, values.length).requires_grad_(true);
    }

    private static PenaltyContext context(Tensor real, Tensor fake, long iteration) {
        return new PenaltyContext(null, null, null, null, null, real, fake, iteration);
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    @Test
    void valueAndGradientMatchTheClosedForm() {
        NativeMemory.scoped(() -> {
            double lambda = 0.3;
            double[] r = {1.5, 0.25, -0.5, 2.0};
            double[] f = {-1.0, 0.75, -2.5, 0.5};
            LeCamPenalty lecam = new LeCamPenalty(lambda, 0.99, 0);
            Tensor real = scores(r);
            Tensor fake = scores(f);
            Map<String, Tensor> out = lecam.discriminatorPenalty(context(real, fake, 1));
            // The first update sets the anchors to this batch's means (a_R = mean r, a_F = mean f).
            double aR = mean(r);
            double aF = mean(f);
            assertEquals(aR, lecam.anchorReal(), 1e-15);
            assertEquals(aF, lecam.anchorFake(), 1e-15);
            double expected = 0;
            double[] gradReal = new double[r.length];
            double[] gradFake = new double[f.length];
            for (int i = 0; i < r.length; i++) {
                expected += (r[i] - aF) * (r[i] - aF) / r.length + (f[i] - aR) * (f[i] - aR) / f.length;
                // d/dr_i of lambda * mean((r - a_F)^2) with the anchors held constant.
                gradReal[i] = lambda * 2 * (r[i] - aF) / r.length;
                gradFake[i] = lambda * 2 * (f[i] - aR) / f.length;
            }
            expected *= lambda;
            Tensor penalty = out.get("lecam");
            assertEquals(expected, penalty.item_double(), 1e-12);
            penalty.backward();
            assertArrayEquals(gradReal, Tensors.toDoubles(real.grad()), 1e-12);
            assertArrayEquals(gradFake, Tensors.toDoubles(fake.grad()), 1e-12);
        });
    }

    @Test
    void anchorsFollowTheMovingAverageAfterTheStartAndThePenaltyWaitsForIt() {
        NativeMemory.scoped(() -> {
            double decay = 0.9;
            long start = 2;
            LeCamPenalty lecam = new LeCamPenalty(1.0, decay, start);
            double[][] reals = {{1, 3}, {2, 2}, {5, 7}, {0, -4}, {1, 2}};
            double[][] fakes = {{-1, -3}, {0, -2}, {-5, 1}, {2, 2}, {-1, 0}};
            double aR = Double.NaN;
            double aF = Double.NaN;
            for (int i = 0; i < reals.length; i++) {
                long iteration = i + 1;
                Map<String, Tensor> out = lecam.discriminatorPenalty(context(scores(reals[i]), scores(fakes[i]),
                        iteration));
                // The official ema_losses: decay 0 while itr < start_itr, the penalty once itr > start_itr.
                double d = iteration < start ? 0 : decay;
                aR = i == 0 ? mean(reals[i]) : aR * d + mean(reals[i]) * (1 - d);
                aF = i == 0 ? mean(fakes[i]) : aF * d + mean(fakes[i]) * (1 - d);
                assertEquals(aR, lecam.anchorReal(), 1e-12, "a_R at iteration " + iteration);
                assertEquals(aF, lecam.anchorFake(), 1e-12, "a_F at iteration " + iteration);
                assertEquals(iteration > start, out.containsKey("lecam"), "penalty at iteration " + iteration);
            }
            // Two D steps of one iteration both move the anchors (every D forward updates them).
            double before = lecam.anchorReal();
            lecam.discriminatorPenalty(context(scores(10, 10), scores(0, 0), 6));
            lecam.discriminatorPenalty(context(scores(10, 10), scores(0, 0), 6));
            assertEquals((before * decay + 10 * (1 - decay)) * decay + 10 * (1 - decay), lecam.anchorReal(), 1e-12);
        });
    }

    @Test
    void stateRoundTripsAndAFreshPenaltyHasNone() {
        NativeMemory.scoped(() -> {
            LeCamPenalty lecam = new LeCamPenalty(0.1, 0.99, 0);
            assertTrue(lecam.state().isEmpty(), "nothing to store before the first update");
            lecam.discriminatorPenalty(context(scores(0.3, 0.7), scores(-0.1, -0.9), 1));
            lecam.discriminatorPenalty(context(scores(1.3, 0.2), scores(-0.4, 0.1), 2));
            Map<String, Double> state = lecam.state();
            LeCamPenalty resumed = new LeCamPenalty(0.1, 0.99, 0);
            resumed.restoreState(state, "test");
            assertEquals(Double.doubleToLongBits(lecam.anchorReal()), Double.doubleToLongBits(resumed.anchorReal()));
            assertEquals(Double.doubleToLongBits(lecam.anchorFake()), Double.doubleToLongBits(resumed.anchorFake()));
            Tensor a = lecam.discriminatorPenalty(context(scores(0.5, 0.5), scores(0.1, 0.2), 3)).get("lecam");
            Tensor b = resumed.discriminatorPenalty(context(scores(0.5, 0.5), scores(0.1, 0.2), 3)).get("lecam");
            assertEquals(Double.doubleToLongBits(a.item_double()), Double.doubleToLongBits(b.item_double()));
            assertThrows(IllegalArgumentException.class, () -> resumed.restoreState(Map.of("anchor_real", 1.0), "x"));
        });
    }

    @Test
    void theConfigurationSwitchesItOnByLambda() {
        TrainConfig.RegularizerConfig off = new TrainConfig.RegularizerConfig(0, 0, 0, 0, 0, 0, 0);
        assertTrue(Regularizers.create(off).isEmpty());
        TrainConfig.RegularizerConfig on = new TrainConfig.RegularizerConfig(0, 0, 0, 0, 0, 0, 0,
                TrainConfig.SigmaConfig.OFF, TrainConfig.SigmaConfig.OFF, 0, 0.01, 0.99, 1000);
        List<Regularizer> created = Regularizers.create(on);
        assertEquals(1, created.size());
        assertInstanceOf(LeCamPenalty.class, created.get(0));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig.RegularizerConfig(0, 0, 0, 0, 0, 0, 0,
                TrainConfig.SigmaConfig.OFF, TrainConfig.SigmaConfig.OFF, 0, 0.01, 1.0, 1000));
    }
}
