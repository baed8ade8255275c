package org.biggan4j.regularize;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig.SigmaConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.SessionFactory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BigGAN section 4.1's sigma_0 clamp and penalty against full SVDs ({@code torch.linalg_svdvals}). */
class SigmaConditioningTest {

    /** A module holding a linear weight [12, 20], a conv weight [6, 3, 3, 3] and a bias (skipped). */
    static final class Weights extends Module {
        Weights(Tensor linear, Tensor conv) {
            register_parameter("linear", linear);
            register_parameter("conv", conv);
            register_parameter("bias", torch.zeros(new long[] {12}));
        }

        Tensor get(String name) {
            var params = named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                if (params.get(i).key().getString().equals(name)) {
                    return params.get(i).value();
                }
            }
            throw new AssertionError(name);
        }
    }

    private static double[] svdvals(Tensor w) {
        return Tensors.toDoubles(torch.linalg_svdvals(w.detach().reshape(w.size(0), -1).to(torch.ScalarType.Double)));
    }

    private static Tensor orthonormalColumns(long rows, long cols) {
        T_TensorTensor_T qr = torch.linalg_qr(Tensors.randn(ComputeDevice.CPU, rows, cols));
        return T_TensorTensor_T.get0(qr);
    }

    /** out x in with the given singular values (a clear gap, like a weight whose sigma_0 has grown). */
    private static Tensor withSpectrum(long out, long in, double[] sigmas) {
        long r = sigmas.length;
        Tensor s = Tensors.fromDoubles(sigmas, ComputeDevice.CPU, r).to(torch.ScalarType.Float);
        return orthonormalColumns(out, r).mul(s).mm(orthonormalColumns(in, r).t());
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-3 * Math.abs(expected), what);
    }

    @Test
    void theClampSetsSigma0ToTheTargetAndLeavesTheOtherSingularValues() {
        Seeds.seedTorch(5);
        double[] linear = {9, 4, 3, 2.5, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3};
        double[] conv = {7, 5, 2, 1, 0.5, 0.25};
        Weights m = new Weights(withSpectrum(12, 20, linear), withSpectrum(6, 27, conv).reshape(6, 3, 3, 3));
        new SigmaConditioning(SigmaConfig.OFF, SigmaConfig.OFF).clamp(m, "G", new SigmaConfig(0, true, 6.0, 0, 1));
        double[] clampedLinear = svdvals(m.get("linear"));
        double[] clampedConv = svdvals(m.get("conv"));
        // sigma_0 = 9 -> 6 (still above sigma_1 = 4); the rest as before.
        assertRelative(6.0, clampedLinear[0], "linear sigma_0");
        for (int i = 1; i < linear.length; i++) {
            assertRelative(linear[i], clampedLinear[i], "linear sigma_" + i);
        }
        assertRelative(6.0, clampedConv[0], "conv sigma_0");
        for (int i = 1; i < conv.length; i++) {
            assertRelative(conv[i], clampedConv[i], "conv sigma_" + i);
        }
        assertArrayEquals(new double[12], Tensors.toDoubles(m.get("bias")), "a bias is not a weight matrix");

        // Toward r * sg(sigma_1): with r = 1.5 neither weight exceeds its target (6 <= 1.5 * 4 and
        // 6 <= 1.5 * 5), so nothing moves; r = 1.1 clamps the linear to 4.4 and the conv to 5.5.
        SigmaConditioning byRatio = new SigmaConditioning(SigmaConfig.OFF, SigmaConfig.OFF);
        byRatio.clamp(m, "G", new SigmaConfig(0, true, 0, 1.5, 1));
        assertRelative(6.0, svdvals(m.get("linear"))[0], "no clamp below r sigma_1");
        assertRelative(6.0, svdvals(m.get("conv"))[0], "no clamp below r sigma_1");
        byRatio.clamp(m, "G", new SigmaConfig(0, true, 0, 1.1, 1));
        double[] l = svdvals(m.get("linear"));
        double[] c = svdvals(m.get("conv"));
        assertRelative(4.4, l[0], "linear sigma_0 = 1.1 sigma_1");
        assertRelative(4.0, l[1], "linear sigma_1");
        assertRelative(5.5, c[0], "conv sigma_0 = 1.1 sigma_1");
        assertRelative(5.0, c[1], "conv sigma_1");
        byRatio.close();
    }

    @Test
    void theClampAgreesWithSvdvalsOnAPlainRandomWeight() {
        Seeds.seedTorch(6);
        Tensor w = Tensors.randn(ComputeDevice.CPU, 16, 24);
        Weights m = new Weights(w, Tensors.randn(ComputeDevice.CPU, 6, 3, 3, 3));
        double[] before = svdvals(w);
        double clampTo = (before[0] + before[1]) / 2;
        new SigmaConditioning(SigmaConfig.OFF, SigmaConfig.OFF).clamp(m, "D", new SigmaConfig(0, true, clampTo, 0, 1));
        double[] after = svdvals(m.get("linear"));
        assertRelative(clampTo, after[0], "sigma_0");
        for (int i = 1; i < before.length; i++) {
            assertRelative(before[i], after[i], "sigma_" + i);
        }
    }

    /** penalty = strength * sum_W (svdvals(W)[0] - target)^2, differentiated through svdvals. */
    private static void penaltyMatchesSvdvals(SigmaConfig settings) {
        Seeds.seedTorch(7);
        Tensor linear = Tensors.randn(ComputeDevice.CPU, 12, 20).requires_grad_(true);
        Tensor conv = Tensors.randn(ComputeDevice.CPU, 6, 3, 3, 3).requires_grad_(true);
        Weights m = new Weights(linear, conv);
        SigmaConditioning sigma = new SigmaConditioning(settings, SigmaConfig.OFF);
        for (int round = 0; round < 2; round++) {
            if (round == 1) {
                // Training moves the weights a little; the warm-started estimate (one iteration per
                // call) follows them.
                try (NoGradGuard ng = new NoGradGuard()) {
                    linear.add_(Tensors.randn(ComputeDevice.CPU, 12, 20).mul(new Scalar(0.01)));
                    conv.add_(Tensors.randn(ComputeDevice.CPU, 6, 3, 3, 3).mul(new Scalar(0.01)));
                }
                linear.grad().zero_();
                conv.grad().zero_();
            }
            Tensor value = sigma.penalty(m, "G", settings);
            value.backward();
            double[] gLinear = Tensors.toDoubles(linear.grad());
            double[] gConv = Tensors.toDoubles(conv.grad());

            // Reference: the same formula on leaf copies, through the full SVD.
            Tensor refLinear = linear.detach().clone().requires_grad_(true);
            Tensor refConv = conv.detach().clone().requires_grad_(true);
            Tensor ref = null;
            for (Tensor w : List.of(refLinear, refConv)) {
                Tensor s = torch.linalg_svdvals(w.reshape(w.size(0), -1));
                Tensor target = settings.target() > 0 ? torch.full(new long[] {}, new Scalar(settings.target()))
                        : s.select(0, 1).detach().mul(new Scalar(settings.ratio()));
                Tensor dev = s.select(0, 0).sub(target);
                ref = ref == null ? dev.mul(dev) : ref.add(dev.mul(dev));
            }
            ref = ref.mul(new Scalar(settings.penalty()));
            ref.backward();
            assertRelative(ref.item_double(), value.item_double(), "penalty value, round " + round);
            assertClose(Tensors.toDoubles(refLinear.grad()), gLinear, "linear gradient, round " + round);
            assertClose(Tensors.toDoubles(refConv.grad()), gConv, "conv gradient, round " + round);
        }
        sigma.close();
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        double scale = 0;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0 && err <= 1e-3 * scale, what + ": max error " + err + " vs scale " + scale);
    }

    @Test
    void thePenaltyTowardAFixedValueMatchesSvdvalsInValueAndGradient() {
        penaltyMatchesSvdvals(new SigmaConfig(0.3, false, 2.0, 0, 1));
    }

    @Test
    void thePenaltyTowardRTimesStopGradSigma1MatchesSvdvalsInValueAndGradient() {
        penaltyMatchesSvdvals(new SigmaConfig(0.3, false, 0, 1.2, 1));
    }

    @Test
    void aTrainingStepClampsEveryWeightOfGAndPenalisesD(@TempDir Path dir) {
        // N(0, 0.02) weights of at least 16 x 16 have sigma_0 well above 0.05, so every weight is clamped.
        // Only the top direction moves: sigma_1 may stay above the target (the paper's clamp is one
        // direction), so the check is that one singular value now sits at the target.
        var config = ConfigLoader.load("dcgan", List.of("model.ch=4", "training.batch_size=8",
                "regularizers.sigma_g.clamp=true", "regularizers.sigma_g.target=0.05",
                "regularizers.sigma_d.penalty=0.1", "regularizers.sigma_d.target=1"));
        try (var session = SessionFactory.create(config, dir)) {
            var metrics = NativeMemory.scoped(() -> session.step().run(1));
            assertTrue(metrics.values().containsKey("d_penalty_sigma0"), metrics.values().toString());
            var params = session.generator().named_parameters(true);
            int clamped = 0;
            for (long i = 0; i < params.size(); i++) {
                Tensor w = params.get(i).value();
                if (w.dim() >= 2) {
                    double[] s = svdvals(w);
                    assertTrue(Arrays.stream(s).anyMatch(x -> Math.abs(x - 0.05) <= 1e-3 * 0.05),
                            params.get(i).key().getString() + ": no singular value at 0.05 in "
                                    + Arrays.toString(Arrays.copyOf(s, 4)));
                    clamped++;
                }
            }
            assertTrue(clamped >= 4, "G's weight matrices: " + clamped);
        }
    }

    @Test
    void theConfigurationSwitchesItOnForEachNetworkAndNeedsOneTarget() {
        var on = ConfigLoader.load("dcgan", List.of("regularizers.sigma_g.penalty=0.1",
                "regularizers.sigma_g.ratio=2", "regularizers.sigma_d.clamp=true", "regularizers.sigma_d.target=1"));
        assertTrue(Regularizers.create(on.regularizers()).stream().anyMatch(r -> r instanceof SigmaConditioning));
        assertTrue(Regularizers.create(ConfigLoader.load("dcgan", List.of()).regularizers()).stream()
                .noneMatch(r -> r instanceof SigmaConditioning), "off by default");
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(
                "dcgan", List.of("regularizers.sigma_g.clamp=true")));
        assertTrue(neither.getMessage().contains("regularizers.sigma_g") && neither.getMessage().contains("neither"),
                neither.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(
                "dcgan", List.of("regularizers.sigma_d.penalty=1", "regularizers.sigma_d.target=1",
                        "regularizers.sigma_d.ratio=2")));
        assertTrue(both.getMessage().contains("regularizers.sigma_d") && both.getMessage().contains("both"),
                both.getMessage());
        IllegalArgumentException ratio = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(
                "dcgan", List.of("regularizers.sigma_g.ratio=0.5")));
        assertTrue(ratio.getMessage().contains("ratio"), ratio.getMessage());
    }
}
