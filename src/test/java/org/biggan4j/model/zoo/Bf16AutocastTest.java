package org.biggan4j.model.zoo;

import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.tensor.Autocast;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code training.bf16}: BigGAN's G and D (with attention, gray and RGB) under bf16 autocast
 * give outputs and parameter gradients within bf16's documented tolerance of float32: 3% of the
 * output's norm and 15% of each gradient's norm. Measured here: outputs 0.2-0.9%, D's gradients
 * 2-4%, G's 5-11% (the roundings of every layer above a weight add up in its gradient). The oneDNN
 * bf16 defects {@code CpuConvolutions} works around (G's last layer, gray inputs) are off by 50%
 * and more. Eval mode, so that spectral-norm vectors do not move between the two passes.
 */
class Bf16AutocastTest {

    private static double relative(Tensor actual, Tensor reference) {
        Tensor a = actual.to(torch.ScalarType.Double);
        Tensor r = reference.to(torch.ScalarType.Double);
        return a.sub(r).norm().item_double() / Math.max(r.norm().item_double(), 1e-12);
    }

    /** Output and the gradients of every parameter, of {@code sum(output * weights)}. */
    private static Map<String, Tensor> pass(Module net, Supplier<Tensor> forward, Tensor weights, boolean bf16) {
        Map<String, Tensor> result = new LinkedHashMap<>();
        net.zero_grad(true);
        Tensor out;
        try (Autocast ac = Autocast.bf16(ComputeDevice.CPU, bf16)) {
            out = forward.get().to(torch.ScalarType.Float);
        }
        out.mul(weights).sum().backward();
        result.put("output", out.detach().clone());
        StringTensorDict params = net.named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).value().grad();
            if (g.defined()) {
                result.put(params.get(i).key().getString(), g.clone());
            }
        }
        return result;
    }

    private static void assertClose(String what, Map<String, Tensor> bf16, Map<String, Tensor> fp32) {
        for (var e : fp32.entrySet()) {
            double err = relative(bf16.get(e.getKey()), e.getValue());
            double limit = e.getKey().equals("output") ? 3e-2 : 0.15;
            assertTrue(err < limit, what + " " + e.getKey() + ": bf16 differs from float32 by " + err + " (limit " + limit + ")");
        }
    }

    @ParameterizedTest(name = "{0} image channel(s)")
    @ValueSource(ints = {1, 3})
    void generatorAndDiscriminatorStayWithinTolerance(int channels) {
        NativeMemory.scoped(() -> {
            Seeds.seedTorch(5);
            ModelSpec spec = ModelsTest.spec(Architecture.BIGGAN, 32, 16, 5, 16, 0, false, Set.of(16), channels);
            Generator g = Models.generator(spec, ComputeDevice.CPU);
            Discriminator d = Models.discriminator(spec, ComputeDevice.CPU);
            g.eval();
            d.eval();
            Tensor z = Tensors.randn(ComputeDevice.CPU, 8, 16);
            Tensor y = Tensors.fromLongs(new long[] {0, 1, 2, 3, 4, 0, 1, 2}, ComputeDevice.CPU, 8);
            Tensor images = Tensors.randn(ComputeDevice.CPU, 8, channels, 32, 32).tanh();
            Tensor gWeights = Tensors.randn(ComputeDevice.CPU, 8, channels, 32, 32);
            Tensor dWeights = Tensors.randn(ComputeDevice.CPU, 8);
            assertClose("G", pass(g, () -> g.forward(z, y), gWeights, true), pass(g, () -> g.forward(z, y), gWeights, false));
            assertClose("D", pass(d, () -> d.forward(images, y), dWeights, true),
                    pass(d, () -> d.forward(images, y), dWeights, false));
        });
    }
}
