package org.biggan4j.train.optim;

import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.OptimizerState;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OptimizersTest {

    private static OptimizerConfig config(OptimizerKind kind, Schedule schedule, long start) {
        return new OptimizerConfig(kind, 0.1, 0.0, 0.999, 1e-8, 0.0, 0.99, 0.0, schedule, start);
    }

    @Test
    void schedulesGiveTheDocumentedRates() {
        LongToDoubleFunction constant = Optimizers.schedule(config(OptimizerKind.ADAM, Schedule.CONSTANT, 0), 100);
        assertEquals(0.1, constant.applyAsDouble(1));
        assertEquals(0.1, constant.applyAsDouble(100));
        LongToDoubleFunction decay = Optimizers.schedule(config(OptimizerKind.ADAM, Schedule.LINEAR_DECAY, 50), 100);
        assertEquals(0.1, decay.applyAsDouble(50), 1e-15);
        assertEquals(0.05, decay.applyAsDouble(75), 1e-15);
        assertEquals(0.0, decay.applyAsDouble(100), 1e-15);
        LongToDoubleFunction warmup = Optimizers.schedule(config(OptimizerKind.ADAM, Schedule.WARMUP, 10), 100);
        assertEquals(0.01, warmup.applyAsDouble(1), 1e-15);
        assertEquals(0.05, warmup.applyAsDouble(5), 1e-15);
        assertEquals(0.1, warmup.applyAsDouble(10), 1e-15);
        assertEquals(0.1, warmup.applyAsDouble(90), 1e-15);
    }

    @Test
    void adamFollowsTheTextbookUpdateWithBetasInTheRightOrder() {
        // Asymmetric betas, so a swap would show: compare three steps with Adam written out by hand.
        double b1 = 0.5;
        double b2 = 0.9;
        double lr = 0.1;
        double eps = 1e-8;
        OptimizerConfig c = new OptimizerConfig(OptimizerKind.ADAM, lr, b1, b2, eps, 0, 0.99, 0, Schedule.CONSTANT, 0);
        Tensor w = Tensors.fromDoubles(new double[] {1.0}, ComputeDevice.CPU, 1).requires_grad_(true);
        Optimizer adam = Optimizers.create(c, new org.bytedeco.pytorch.TensorVector(w));
        double x = 1.0;
        double m = 0;
        double v = 0;
        double[] gradScale = {3.0, -1.0, 0.5};
        for (int t = 1; t <= 3; t++) {
            adam.zero_grad();
            w.mul(new org.bytedeco.pytorch.Scalar(gradScale[t - 1])).sum().backward(); // gradient = gradScale
            adam.step();
            double g = gradScale[t - 1];
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double mHat = m / (1 - Math.pow(b1, t));
            double vHat = v / (1 - Math.pow(b2, t));
            x -= lr * mHat / (Math.sqrt(vHat) + eps);
            assertEquals(x, Tensors.toDoubles(w)[0], 1e-9, "step " + t);
        }
    }

    /** Two steps straight vs one step, save, restore into a fresh optimiser, one step. */
    @Test
    void everyKindRoundTripsItsStateThroughBytes() {
        for (OptimizerKind kind : OptimizerKind.values()) {
            OptimizerConfig c = new OptimizerConfig(kind, 0.05, 0.5, 0.9, 1e-8, kind == OptimizerKind.SGD ? 0.9 : 0,
                    0.9, 0, Schedule.CONSTANT, 0);
            Seeds.seedTorch(4);
            LinearImpl a = new LinearImpl(3, 2);
            LinearImpl b = new LinearImpl(3, 2);
            b.weight().detach().copy_(a.weight());
            b.bias().detach().copy_(a.bias());
            Tensor x = Tensors.randn(ComputeDevice.CPU, 5, 3);
            Optimizer oa = Optimizers.create(c, a.parameters());
            Optimizer ob = Optimizers.create(c, b.parameters());
            step(a, oa, x);
            step(a, oa, x);
            step(b, ob, x);
            byte[] state = OptimizerState.toBytes(ob);
            Optimizer restored = Optimizers.create(c, b.parameters());
            OptimizerState.load(restored, state, "test");
            step(b, restored, x);
            assertArrayEquals(Tensors.toFloats(a.weight()), Tensors.toFloats(b.weight()), kind.name());
        }
    }

    private static void step(LinearImpl m, Optimizer o, Tensor x) {
        o.zero_grad();
        torch.tanh(m.forward(x)).pow(new org.bytedeco.pytorch.Scalar(2)).sum().backward();
        o.step();
    }
}
