package org.biggan4j.regularize;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Discriminator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegularizersTest {

    /** A smooth float64 critic on [B, 1, 2, 2] inputs: tanh MLP. */
    static final class SmoothCritic extends Discriminator {
        final LinearImpl l1 = register_module("l1", new LinearImpl(4, 6));
        final LinearImpl l2 = register_module("l2", new LinearImpl(6, 1));

        SmoothCritic() {
            to(torch.ScalarType.Double, false);
        }

        @Override
        public Tensor forward(Tensor images, Tensor classes) {
            return l2.forward(torch.tanh(l1.forward(images.reshape(-1, 4)))).reshape(-1);
        }

        @Override
        public int numClasses() {
            return 0;
        }
    }

    private static PenaltyContext context(Discriminator d) {
        Seeds.seedTorch(21);
        Tensor real = Tensors.randn(ComputeDevice.CPU, 5, 1, 2, 2).to(torch.ScalarType.Double);
        Tensor fake = Tensors.randn(ComputeDevice.CPU, 5, 1, 2, 2).to(torch.ScalarType.Double).mul(new Scalar(0.5));
        return new PenaltyContext(d, real, null, fake, null, null, null, 1);
    }

    /** Autograd gradients of the penalty w.r.t. D's parameters vs central differences. */
    private static void matchesFiniteDifferences(Regularizer r) {
        Seeds.seedTorch(20);
        SmoothCritic d = new SmoothCritic();
        PenaltyContext c = context(d);
        Supplier<Double> value = () -> {
            Seeds.seedTorch(99); // the same interpolation coefficients every evaluation
            return r.discriminatorPenalty(c).values().iterator().next().item_double();
        };
        Seeds.seedTorch(99);
        Tensor penalty = r.discriminatorPenalty(c).values().iterator().next();
        TensorVector params = d.parameters();
        TensorVector grads = torch.grad(new TensorVector(penalty), params, new TensorVector(),
                new BoolOptional(false), false, true);
        double h = 1e-6;
        int checked = 0;
        for (long p = 0; p < params.size(); p++) {
            Tensor flat = params.get(p).detach().view(-1);
            // R1 does not depend on the last bias (it shifts D, not its input gradient): undefined = 0.
            double[] analytic = grads.get(p).defined() ? Tensors.toDoubles(grads.get(p))
                    : new double[(int) flat.numel()];
            for (int i = 0; i < flat.numel(); i += 3) {
                double original = flat.get(i).item_double();
                try (NoGradGuard ng = new NoGradGuard()) {
                    flat.get(i).fill_(new Scalar(original + h));
                }
                double plus = value.get();
                try (NoGradGuard ng = new NoGradGuard()) {
                    flat.get(i).fill_(new Scalar(original - h));
                }
                double minus = value.get();
                try (NoGradGuard ng = new NoGradGuard()) {
                    flat.get(i).fill_(new Scalar(original));
                }
                double numeric = (plus - minus) / (2 * h);
                double scale = Math.max(1e-3, Math.abs(numeric));
                assertTrue(Math.abs(analytic[i] - numeric) / scale < 1e-3,
                        r.name() + " param " + p + "[" + i + "]: autograd " + analytic[i] + " vs " + numeric);
                checked++;
            }
        }
        assertTrue(checked > 10);
        assertTrue(value.get() > 0);
    }

    @Test
    void gradientPenaltyGradientsMatchFiniteDifferences() {
        matchesFiniteDifferences(new GradientPenalty(10));
    }

    @Test
    void r1GradientsMatchFiniteDifferences() {
        matchesFiniteDifferences(new R1Penalty(10));
    }

    private static LinearOptions noBias() {
        LinearOptions o = new LinearOptions(4, 1);
        o.bias().put(false);
        return o;
    }

    @Test
    void r1ValueIsHalfGammaTimesTheMeanSquaredInputGradient() {
        // D(x) = w.x on flattened inputs: grad_x D = w for every sample, so R1 = gamma/2 |w|^2.
        Discriminator linear = new Discriminator() {
            final LinearImpl l = register_module("l", new LinearImpl(noBias()));

            @Override
            public Tensor forward(Tensor images, Tensor classes) {
                return l.forward(images.reshape(-1, 4)).reshape(-1);
            }

            @Override
            public int numClasses() {
                return 0;
            }
        };
        double[] w = Tensors.toDoubles(linear.parameters().get(0));
        double norm2 = 0;
        for (double v : w) {
            norm2 += v * v;
        }
        Tensor x = Tensors.randn(ComputeDevice.CPU, 3, 1, 2, 2);
        double r1 = new R1Penalty(4).discriminatorPenalty(new PenaltyContext(linear, x, null, x, null, null, null, 1))
                .get("r1").item_double();
        assertEquals(2 * norm2, r1, 1e-5);
    }

    @Test
    void clippingKeepsEveryCriticWeightInsideTheBound() {
        SmoothCritic d = new SmoothCritic();
        try (NoGradGuard ng = new NoGradGuard()) {
            d.parameters().get(0).mul_(new Scalar(10));
        }
        double c = 0.01;
        new WeightClipping(c).afterDiscriminatorStep(d, 1);
        TensorVector params = d.parameters();
        int atBound = 0;
        for (long i = 0; i < params.size(); i++) {
            for (double v : Tensors.toDoubles(params.get(i))) {
                assertTrue(Math.abs(v) <= c, "weight " + v);
                atBound += Math.abs(v) == c ? 1 : 0;
            }
        }
        assertTrue(atBound > 0, "large weights end up at the bound");
    }

    @Test
    void orthogonalPenaltyValueAndGradientMatchTheFormula() {
        checkOrthogonalPenalty(5, 3);   // wide: the masked [out, out] product
        checkOrthogonalPenalty(3, 7);   // tall: through the small [in, in] Gram matrix
    }

    @Test
    void tallWeightsGiveTheMaskedProductsValueInFloat32() {
        Seeds.seedTorch(9);
        Tensor w = torch.randn(new long[] {2048, 20});
        Tensor gram = w.mm(w.t());
        Tensor masked = gram.mul(torch.ones_like(gram).sub(torch.eye(2048, gram.options())));
        double naive = masked.mul(masked).sum().item_double();
        double fast = OrthogonalRegularization.offDiagonalSquaredNorm(w).item_double();
        assertEquals(naive, fast, 1e-5 * naive);
    }

    private static void checkOrthogonalPenalty(int in, int out) {
        Seeds.seedTorch(8);
        LinearImpl layer = new LinearImpl(in, out);
        layer.to(torch.ScalarType.Double, false);
        OrthogonalRegularization ortho = new OrthogonalRegularization(1e-2, 0, List.of());
        Tensor penalty = ortho.penalty(layer, 1e-2);
        penalty.backward();
        double[] w = Tensors.toDoubles(layer.weight()); // [out, in]
        double[][] gram = new double[out][out];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < out; j++) {
                for (int k = 0; k < in; k++) {
                    gram[i][j] += w[i * in + k] * w[j * in + k];
                }
            }
        }
        double value = 0;
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < out; j++) {
                value += i == j ? 0 : gram[i][j] * gram[i][j];
            }
        }
        assertEquals(1e-2 * value, penalty.item_double(), 1e-12);
        // d/dW = 4 beta ((W W^T) ⊙ (1 - I)) W
        double[] grad = Tensors.toDoubles(layer.weight().grad());
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < in; k++) {
                double g = 0;
                for (int j = 0; j < out; j++) {
                    g += (i == j ? 0 : gram[i][j]) * w[j * in + k];
                }
                assertEquals(4 * 1e-2 * g, grad[i * in + k], 1e-12);
            }
        }
        assertTrue(!layer.bias().grad().defined(), "biases are not regularised");
    }

    @Test
    void orthogonalPenaltySkipsExcludedParameters() {
        Module m = new Module();
        LinearImpl shared = m.register_module("shared", new LinearImpl(4, 4));
        LinearImpl kept = m.register_module("kept", new LinearImpl(4, 4));
        OrthogonalRegularization ortho = new OrthogonalRegularization(1, 0, OrthogonalRegularization.DEFAULT_EXCLUSIONS);
        double all = new OrthogonalRegularization(1, 0, List.of()).penalty(m, 1).item_double();
        double some = ortho.penalty(m, 1).item_double();
        double onlyKept = new OrthogonalRegularization(1, 0, List.of()).penalty(kept, 1).item_double();
        assertEquals(onlyKept, some, 1e-6);
        assertTrue(all > some);
        assertTrue(shared.weight().numel() > 0);
    }

    @Test
    void instanceNoiseAnnealsLinearlyToZero() {
        InstanceNoise noise = new InstanceNoise(0.2, 100);
        assertEquals(0.2, noise.std(1), 1e-12);
        assertEquals(0.1, noise.std(51), 1e-12);
        assertEquals(0.0, noise.std(101), 1e-12);
        Tensor x = Tensors.zeros(ComputeDevice.CPU, torch.ScalarType.Float, 4000);
        double std = Math.sqrt(Tensors.toDoubles(noise.perturbDiscriminatorInput(x, 51).pow(new Scalar(2)).mean())[0]);
        assertEquals(0.1, std, 0.01);
        assertTrue(torch.equal(x, noise.perturbDiscriminatorInput(x, 500)));
    }

    @Test
    void configurationSwitchesRegularisersOnByStrength() {
        var none = Regularizers.create(new TrainConfig.RegularizerConfig(0, 0, 0, 0, 0, 0, 0));
        assertTrue(none.isEmpty());
        var all = Regularizers.create(new TrainConfig.RegularizerConfig(10, 1, 1e-4, 0, 0.01, 0.1, 10));
        assertEquals(List.of("instance_noise", "gp", "r1", "ortho", "clip"), all.stream().map(Regularizer::name).toList());
        Map<String, Tensor> empty = new GradientPenalty(1).generatorPenalty(null, 1);
        assertTrue(empty.isEmpty());
    }
}
