package org.biggan4j.loss;

import org.biggan4j.config.TrainConfig.ObjectiveConfig;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every objective against values and gradients computed by hand (Java doubles). */
class ObjectivesTest {

    private static final double[] REAL = {1.5, -0.5};
    private static final double[] FAKE = {0.2, -2.0};

    private static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static Tensor leaf(double[] v) {
        return Tensors.fromDoubles(v, ComputeDevice.CPU, v.length).requires_grad_(true);
    }

    /** Checks D's loss and its gradients: L_D = mean(fr(real)) + mean(ff(fake)). */
    private static void checkD(GanObjective o, DoubleUnaryOperator fr, DoubleUnaryOperator dfr,
                               DoubleUnaryOperator ff, DoubleUnaryOperator dff) {
        Tensor r = leaf(REAL);
        Tensor f = leaf(FAKE);
        Tensor loss = o.discriminatorLoss(new CriticOutputs(r, f, null, null, null)).total();
        double expected = (fr.applyAsDouble(REAL[0]) + fr.applyAsDouble(REAL[1])) / 2
                + (ff.applyAsDouble(FAKE[0]) + ff.applyAsDouble(FAKE[1])) / 2;
        assertEquals(expected, loss.item_double(), 1e-12, o.name() + " D loss");
        loss.backward();
        assertArrayEquals(new double[] {dfr.applyAsDouble(REAL[0]) / 2, dfr.applyAsDouble(REAL[1]) / 2},
                Tensors.toDoubles(r.grad()), 1e-12, o.name() + " dL_D/dD(x)");
        assertArrayEquals(new double[] {dff.applyAsDouble(FAKE[0]) / 2, dff.applyAsDouble(FAKE[1]) / 2},
                Tensors.toDoubles(f.grad()), 1e-12, o.name() + " dL_D/dD(G(z))");
    }

    /** Checks G's loss: L_G = mean(g(fake)). */
    private static void checkG(GanObjective o, DoubleUnaryOperator g, DoubleUnaryOperator dg) {
        Tensor f = leaf(FAKE);
        Tensor loss = o.generatorLoss(new CriticOutputs(null, f, null, null, null)).total();
        assertEquals((g.applyAsDouble(FAKE[0]) + g.applyAsDouble(FAKE[1])) / 2, loss.item_double(), 1e-12,
                o.name() + " G loss");
        loss.backward();
        assertArrayEquals(new double[] {dg.applyAsDouble(FAKE[0]) / 2, dg.applyAsDouble(FAKE[1]) / 2},
                Tensors.toDoubles(f.grad()), 1e-12, o.name() + " dL_G/dD(G(z))");
    }

    private static GanObjective create(ObjectiveKind kind, double margin) {
        return Objectives.create(new ObjectiveConfig(kind, margin, 0, 1));
    }

    @Test
    void minimaxAndNonSaturating() {
        GanObjective minimax = create(ObjectiveKind.MINIMAX, 1);
        checkD(minimax, x -> softplus(-x), x -> -sigmoid(-x), ObjectivesTest::softplus, ObjectivesTest::sigmoid);
        checkG(minimax, x -> -softplus(x), x -> -sigmoid(x));
        GanObjective ns = create(ObjectiveKind.NON_SATURATING, 1);
        checkD(ns, x -> softplus(-x), x -> -sigmoid(-x), ObjectivesTest::softplus, ObjectivesTest::sigmoid);
        checkG(ns, x -> softplus(-x), x -> -sigmoid(-x));
    }

    @Test
    void hingeWithTheDefaultAndAnotherMargin() {
        for (double m : new double[] {1.0, 0.5}) {
            GanObjective hinge = create(ObjectiveKind.HINGE, m);
            checkD(hinge, x -> Math.max(0, m - x), x -> m - x > 0 ? -1 : 0,
                    x -> Math.max(0, m + x), x -> m + x > 0 ? 1 : 0);
            checkG(hinge, x -> -x, x -> -1);
        }
    }

    @Test
    void leastSquaresWassersteinAndLossSensitiveGenerator() {
        GanObjective ls = create(ObjectiveKind.LEAST_SQUARES, 1);
        checkD(ls, x -> 0.5 * (x - 1) * (x - 1), x -> x - 1, x -> 0.5 * x * x, x -> x);
        checkG(ls, x -> 0.5 * (x - 1) * (x - 1), x -> x - 1);
        GanObjective w = create(ObjectiveKind.WASSERSTEIN, 1);
        checkD(w, x -> -x, x -> -1, x -> x, x -> 1);
        checkG(w, x -> -x, x -> -1);
        assertTrue(w.reportsWassersteinEstimate());
        checkG(create(ObjectiveKind.LOSS_SENSITIVE, 1), x -> x, x -> 1);
    }

    @Test
    void ebganEnergyMarginAndPullAway() {
        double m = 1.0;
        GanObjective eb = create(ObjectiveKind.EBGAN, m);
        // Energies are non-negative reconstruction errors; the hinge is on the fake energy.
        checkD(eb, x -> x, x -> 1, x -> Math.max(0, m - x), x -> m - x > 0 ? -1 : 0);
        checkG(eb, x -> x, x -> 1);
        // Pull-away term on two codes at 60 degrees: cos^2 = 1/4 for both ordered pairs.
        Tensor codes = Tensors.fromDoubles(new double[] {1, 0, 0.5, Math.sqrt(3) / 2}, ComputeDevice.CPU, 2, 2);
        assertEquals(0.25, EnergyLoss.pullAway(codes).item_double(), 1e-12);
        GanObjective withPt = Objectives.create(new ObjectiveConfig(ObjectiveKind.EBGAN, m, 0.1, 1));
        LossTerms g = withPt.generatorLoss(new CriticOutputs(null, leaf(FAKE), null, null, codes));
        assertEquals((FAKE[0] + FAKE[1]) / 2 + 0.1 * 0.25, g.total().item_double(), 1e-12);
    }

    @Test
    void lossSensitiveDiscriminatorUsesThePairDistance() {
        GanObjective ls = Objectives.create(new ObjectiveConfig(ObjectiveKind.LOSS_SENSITIVE, 1, 0, 2.0));
        Tensor realImages = Tensors.fromDoubles(new double[] {0, 0, 1, 1}, ComputeDevice.CPU, 2, 1, 1, 2);
        Tensor fakeImages = Tensors.fromDoubles(new double[] {1, 1, 1, 0}, ComputeDevice.CPU, 2, 1, 1, 2);
        Tensor r = leaf(REAL);
        Tensor f = leaf(FAKE);
        double delta0 = 1.0;
        double delta1 = 0.5;
        double expected = (REAL[0] + REAL[1]) / 2 + 2.0 * (Math.max(0, delta0 + REAL[0] - FAKE[0])
                + Math.max(0, delta1 + REAL[1] - FAKE[1])) / 2;
        Tensor loss = ls.discriminatorLoss(new CriticOutputs(r, f, realImages, fakeImages, null)).total();
        assertEquals(expected, loss.item_double(), 1e-12);
        loss.backward();
        // dL/dL(x_i) = 1/2 + lambda/2 * [margin active]; dL/dL(G(z_i)) = -lambda/2 * [active]
        assertArrayEquals(new double[] {0.5 + 1.0, 0.5 + 1.0}, Tensors.toDoubles(r.grad()), 1e-12);
        assertArrayEquals(new double[] {-1.0, -1.0}, Tensors.toDoubles(f.grad()), 1e-12);
    }
}
