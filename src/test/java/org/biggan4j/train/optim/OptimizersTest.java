package org.biggan4j.train.optim;

import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.config.TrainConfig.Schedule;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.SafeTensors;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.RMSprop;
import org.bytedeco.pytorch.RMSpropOptions;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        ParameterOptimizer adam = Optimizers.create(c, new TensorVector(w));
        double x = 1.0;
        double m = 0;
        double v = 0;
        double[] gradScale = {3.0, -1.0, 0.5};
        for (int t = 1; t <= 3; t++) {
            adam.zeroGrad();
            w.mul(new Scalar(gradScale[t - 1])).sum().backward(); // gradient = gradScale
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

    /**
     * Two steps straight vs one step, the state through safetensors bytes (as a checkpoint
     * stores it) into a fresh optimiser, one step: bit-identical.
     */
    @Test
    void everyKindRoundTripsItsStateThroughSafeTensors() {
        for (OptimizerKind kind : OptimizerKind.values()) {
            OptimizerConfig c = new OptimizerConfig(kind, 0.05, 0.5, 0.9, 1e-8, kind == OptimizerKind.ADAM ? 0 : 0.9,
                    0.9, 0.01, Schedule.CONSTANT, 0);
            Seeds.seedTorch(4);
            LinearImpl a = new LinearImpl(3, 2);
            LinearImpl b = new LinearImpl(3, 2);
            b.weight().detach().copy_(a.weight());
            b.bias().detach().copy_(a.bias());
            Tensor x = Tensors.randn(ComputeDevice.CPU, 5, 3);
            ParameterOptimizer oa = Optimizers.create(c, a.parameters());
            ParameterOptimizer ob = Optimizers.create(c, b.parameters());
            step(a, oa, x);
            step(a, oa, x);
            step(b, ob, x);
            byte[] state = SafeTensors.toBytes(ob.state(), Map.of());
            ParameterOptimizer restored = Optimizers.create(c, b.parameters());
            restored.loadState(SafeTensors.read(state, ComputeDevice.CPU, "test").tensors(), "test");
            ob.close();
            step(b, restored, x);
            assertArrayEquals(Tensors.toFloats(a.weight()), Tensors.toFloats(b.weight()), kind.name());
            assertArrayEquals(Tensors.toFloats(a.bias()), Tensors.toFloats(b.bias()), kind.name());
        }
    }

    /**
     * The same updates as libtorch's own torch::optim classes, bit for bit, over several steps
     * with weight decay and momentum (the classes these replace; see ParameterOptimizer).
     */
    @Test
    void updatesAreLibtorchsBitForBit() {
        for (OptimizerKind kind : OptimizerKind.values()) {
            double momentum = kind == OptimizerKind.ADAM ? 0 : 0.9;
            OptimizerConfig c = new OptimizerConfig(kind, 0.01, 0.5, 0.99, 1e-8, momentum, 0.9, 0.001,
                    Schedule.CONSTANT, 0);
            Seeds.seedTorch(7);
            LinearImpl ours = new LinearImpl(6, 4);
            LinearImpl theirs = new LinearImpl(6, 4);
            theirs.weight().detach().copy_(ours.weight());
            theirs.bias().detach().copy_(ours.bias());
            ParameterOptimizer o = Optimizers.create(c, ours.parameters());
            Optimizer reference = libtorch(c, theirs.parameters());
            for (int t = 0; t < 6; t++) {
                Tensor x = Tensors.randn(ComputeDevice.CPU, 8, 6);
                step(ours, o, x);
                reference.zero_grad(true);
                torch.tanh(theirs.forward(x)).pow(new Scalar(2)).sum().backward();
                reference.step();
                assertArrayEquals(Tensors.toFloats(theirs.weight()), Tensors.toFloats(ours.weight()),
                        kind + " step " + t);
                assertArrayEquals(Tensors.toFloats(theirs.bias()), Tensors.toFloats(ours.bias()), kind + " step " + t);
            }
        }
    }

    private static Optimizer libtorch(OptimizerConfig c, TensorVector params) {
        return switch (c.kind()) {
            case ADAM -> {
                var o = new AdamOptions(c.lr());
                o.betas().put(new double[] {c.beta2(), c.beta1()}); // std::tuple is laid out last element first
                o.eps().put(c.eps());
                o.weight_decay().put(c.weightDecay());
                yield new Adam(params, o);
            }
            case RMSPROP -> {
                var o = new RMSpropOptions(c.lr());
                o.alpha().put(c.alpha());
                o.eps().put(c.eps());
                o.momentum().put(c.momentum());
                o.weight_decay().put(c.weightDecay());
                yield new RMSprop(params, o);
            }
            case SGD -> {
                var o = new SGDOptions(c.lr());
                o.momentum().put(c.momentum());
                o.weight_decay().put(c.weightDecay());
                yield new org.bytedeco.pytorch.SGD(params, o);
            }
        };
    }

    @Test
    void zeroGradForgetsGradientsAndALoadRefusesStateOfAnotherShapeOrKind() {
        OptimizerConfig adam = new OptimizerConfig(OptimizerKind.ADAM, 0.1, 0.0, 0.999, 1e-8, 0, 0.99, 0,
                Schedule.CONSTANT, 0);
        LinearImpl m = new LinearImpl(3, 2);
        ParameterOptimizer o = Optimizers.create(adam, m.parameters());
        step(m, o, Tensors.randn(ComputeDevice.CPU, 4, 3));
        assertTrue(m.weight().grad().defined());
        o.zeroGrad();
        assertFalse(m.weight().grad().defined(), "zeroGrad sets gradients to none, as libtorch's zero_grad(true)");
        assertEquals(List.of("0.step", "0.exp_avg", "0.exp_avg_sq", "1.step", "1.exp_avg", "1.exp_avg_sq"),
                List.copyOf(o.state().keySet()));

        ParameterOptimizer wide = Optimizers.create(adam, new LinearImpl(4, 2).parameters());
        CheckpointException shape = assertThrows(CheckpointException.class, () -> wide.loadState(o.state(), "c.b4j"));
        assertTrue(shape.getMessage().startsWith("c.b4j: ") && shape.getMessage().contains("'0.exp_avg'")
                && shape.getMessage().contains("--reset-moments"), shape.getMessage());
        OptimizerConfig sgd = new OptimizerConfig(OptimizerKind.SGD, 0.1, 0.0, 0.999, 1e-8, 0.9, 0.99, 0,
                Schedule.CONSTANT, 0);
        ParameterOptimizer other = Optimizers.create(sgd, m.parameters());
        CheckpointException kind = assertThrows(CheckpointException.class, () -> other.loadState(o.state(), "c.b4j"));
        assertTrue(kind.getMessage().contains("'0.exp_avg'"), kind.getMessage());
        Map<String, Tensor> noStep = new LinkedHashMap<>(o.state());
        noStep.remove("1.step");
        ParameterOptimizer fresh = Optimizers.create(adam, m.parameters());
        CheckpointException step = assertThrows(CheckpointException.class, () -> fresh.loadState(noStep, "c.b4j"));
        assertTrue(step.getMessage().contains("step count"), step.getMessage());
        assertTrue(fresh.state().isEmpty(), "a refused load changes nothing");
    }

    private static void step(LinearImpl m, ParameterOptimizer o, Tensor x) {
        o.zeroGrad();
        torch.tanh(m.forward(x)).pow(new Scalar(2)).sum().backward();
        o.step();
    }
}
