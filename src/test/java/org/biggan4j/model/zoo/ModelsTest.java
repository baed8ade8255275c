package org.biggan4j.model.zoo;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.Generator;
import org.biggan4j.model.Discriminator;
import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.nn.Init;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelsTest {

    static ModelSpec spec(Architecture a, int resolution, int ch, int classes, int latent, int shared, boolean hier,
                          Set<Integer> attention, int channels) {
        // Init is not what these tests are about (LayersTest covers it); the default init keeps them fast.
        return new ModelSpec(a, resolution, ch, classes, latent, shared, hier, attention, channels, true, true,
                Init.DEFAULT, 1e-4, 1e-4, false, false, false);
    }

    private static long params(Module m) {
        return Models.parameterCount(m);
    }

    @Test
    void parameterCountsEqualThePublishedModels() {
        ModelSpec cifar = new ModelSpec(Architecture.BIGGAN, 32, 64, 10, 128, 0, false, Set.of(), 3, true, true,
                Init.NORMAL_002, 1e-4, 1e-4, false, true, false);
        assertEquals(4_304_387L, params(Models.generator(cifar, ComputeDevice.META)));
        assertEquals(4_207_361L, params(Models.discriminator(cifar, ComputeDevice.META)));
        ModelSpec big = spec(Architecture.BIGGAN, 128, 96, 1000, 120, 128, true, Set.of(64), 3);
        assertEquals(70_433_988L, params(Models.generator(big, ComputeDevice.META)));   // paper: 70.4M
        assertEquals(87_982_370L, params(Models.discriminator(big, ComputeDevice.META))); // paper: 88.0M
        long[] deepG = {50_388_609L, 55_880_833L, 56_163_905L};
        int[] res = {128, 256, 512};
        for (int i = 0; i < 3; i++) {
            ModelSpec deep = spec(Architecture.BIGGAN_DEEP, res[i], 128, 1000, 128, 128, false, Set.of(64), 3);
            assertEquals(deepG[i], params(Models.generator(deep, ComputeDevice.META)), "BigGAN-deep G at " + res[i]);
        }
        ModelSpec deep128 = spec(Architecture.BIGGAN_DEEP, 128, 128, 1000, 128, 128, false, Set.of(64), 3);
        assertEquals(34.6e6, params(Models.discriminator(deep128, ComputeDevice.META)), 0.005 * 34.6e6);
    }

    /** Every architecture and resolution, conditional and unconditional, at a small width. */
    static List<ModelSpec> smallSpecs() {
        List<ModelSpec> specs = new ArrayList<>();
        for (int r : new int[] {32, 64, 128}) {
            specs.add(spec(Architecture.BIGGAN, r, 4, 5, r == 32 ? 16 : 20 * (Integer.numberOfTrailingZeros(r) - 1),
                    8, r != 32, r == 32 ? Set.of() : Set.of(16), 3));
        }
        specs.add(spec(Architecture.BIGGAN, 32, 2, 0, 16, 0, false, Set.of(), 1));
        specs.add(spec(Architecture.BIGGAN, 64, 4, 0, 25, 0, true, Set.of(16), 3));
        specs.add(spec(Architecture.BIGGAN, 32, 2, 5, 16, 0, false, Set.of(), 3));
        for (int r : new int[] {64, 128}) {
            specs.add(spec(Architecture.BIGGAN_DEEP, r, 4, 5, 16, 8, false, Set.of(64), 3));
            specs.add(spec(Architecture.BIGGAN_DEEP, r, 4, 0, 16, 0, false, Set.of(), 1));
        }
        for (Architecture a : new Architecture[] {Architecture.SNGAN_RESNET, Architecture.SAGAN_RESNET}) {
            for (int r : new int[] {32, 64}) {
                specs.add(spec(a, r, 8, 5, 16, 0, false, a == Architecture.SAGAN_RESNET ? Set.of(16) : Set.of(), 3));
                specs.add(spec(a, r, 4, 0, 16, 0, false, Set.of(), 3));
            }
        }
        for (int r : new int[] {32, 64}) {
            specs.add(spec(Architecture.DCGAN, r, 4, 0, 16, 0, false, Set.of(), 3));
            specs.add(spec(Architecture.DCGAN, r, 4, 5, 16, 0, false, Set.of(), 1));
        }
        specs.add(new ModelSpec(Architecture.DCGAN, 32, 4, 0, 16, 0, false, Set.of(), 3, false, false,
                Init.NORMAL_002, 1e-5, 1e-4, true, false, true));
        return specs;
    }

    @Test
    void everyArchitectureHasTheRightShapesAndFiniteGradientsForEveryParameter() {
        Seeds.seedTorch(1);
        for (ModelSpec s : smallSpecs()) {
            NativeMemory.scoped(() -> {
                Generator g = Models.generator(s, ComputeDevice.CPU);
                Discriminator d = Models.discriminator(s, ComputeDevice.CPU);
                int b = 3;
                Tensor z = Tensors.randn(ComputeDevice.CPU, b, s.latentDim());
                Tensor y = s.conditional() ? Tensors.fromLongs(new long[] {0, 4, 2}, ComputeDevice.CPU, b) : null;
                Tensor x = g.forward(z, y);
                assertArrayEquals(new long[] {b, s.imageChannels(), s.resolution(), s.resolution()}, Tensors.shape(x),
                        s.toString());
                assertTrue(Tensors.toDoubles(x.abs().max())[0] <= 1.0, "tanh output");
                Tensor scores = d.forward(x, y);
                assertArrayEquals(new long[] {b}, Tensors.shape(scores), s.toString());
                scores.sum().backward();
                for (Module m : new Module[] {g, d}) {
                    StringTensorDict p = m.named_parameters(true);
                    for (long i = 0; i < p.size(); i++) {
                        Tensor grad = p.get(i).value().grad();
                        assertTrue(grad.defined(), s.architecture() + " " + p.get(i).key().getString() + " has no gradient");
                        assertTrue(torch.isfinite(grad).all().item_bool(), p.get(i).key().getString());
                    }
                }
            });
        }
    }

    @Test
    void everyResolutionOfEveryTableHasTheRightShapes() {
        for (Architecture a : Architecture.values()) {
            var e = Map.entry(a, a.resolutions());
            for (int r : e.getValue()) {
                for (int classes : new int[] {0, 1000}) {
                    int blocks = Integer.numberOfTrailingZeros(r) - 2;
                    boolean hier = e.getKey() == Architecture.BIGGAN && classes > 0;
                    ModelSpec s = spec(e.getKey(), r, 8, classes, hier ? 20 * (blocks + 1) : 128,
                            classes > 0 && e.getKey() != Architecture.DCGAN ? 128 : 0, hier,
                            e.getKey() == Architecture.DCGAN ? Set.of() : Set.of(Math.min(64, r)), 3);
                    // libtorch has no meta kernels for convolutions, so shapes are checked on the CPU at width 8.
                    NativeMemory.scoped(() -> {
                        try (var noGrad = new NoGradGuard()) {
                            Generator g = Models.generator(s, ComputeDevice.CPU);
                            Discriminator d = Models.discriminator(s, ComputeDevice.CPU);
                            Tensor z = Tensors.randn(ComputeDevice.CPU, 1, s.latentDim());
                            Tensor y = classes > 0 ? Tensors.fromLongs(new long[] {7}, ComputeDevice.CPU, 1) : null;
                            Tensor x = g.forward(z, y);
                            assertArrayEquals(new long[] {1, 3, r, r}, Tensors.shape(x), s.toString());
                            assertArrayEquals(new long[] {1}, Tensors.shape(d.forward(x, y)), s.toString());
                        }
                    });
                }
            }
        }
    }

    /**
     * The resolutions the configuration accepts ({@link Architecture#resolutions()}, what the
     * validator checks) are exactly those the tables define: every listed one builds (above) and
     * every other power of two from 8 to 1024 is refused by the tables themselves.
     */
    @Test
    void theTablesDefineNoResolutionTheArchitectureDoesNotList() {
        for (Architecture a : Architecture.values()) {
            for (int r = 8; r <= 1024; r *= 2) {
                if (a.resolutions().contains(r)) {
                    continue;
                }
                ModelSpec s = spec(a, r, 8, 0, 128, 0, false, Set.of(), 3);
                assertThrows(IllegalArgumentException.class, () -> Models.generator(s, ComputeDevice.CPU),
                        a + " G at " + r + " px");
                assertThrows(IllegalArgumentException.class, () -> Models.discriminator(s, ComputeDevice.CPU),
                        a + " D at " + r + " px");
            }
        }
    }

    @Test
    void discriminatorScoresDoNotDependOnTheRestOfTheBatch() {
        Seeds.seedTorch(2);
        for (ModelSpec s : smallSpecs()) {
            NativeMemory.scoped(() -> {
                Discriminator d = Models.discriminator(s, ComputeDevice.CPU);
                Tensor x = Tensors.randn(ComputeDevice.CPU, 4, s.imageChannels(), s.resolution(), s.resolution());
                Tensor y = s.conditional() ? Tensors.fromLongs(new long[] {1, 2, 3, 4}, ComputeDevice.CPU, 4) : null;
                d.eval(); // no power-iteration update between the two calls
                double[] all = Tensors.toDoubles(d.forward(x, y));
                double[] one = Tensors.toDoubles(d.forward(x.narrow(0, 2, 1), y == null ? null : y.narrow(0, 2, 1)));
                assertEquals(all[2], one[0], 1e-4 * Math.max(1, Math.abs(all[2])), s.toString());
            });
        }
    }

    @Test
    void evalModeChangesNoBuffer() {
        Seeds.seedTorch(3);
        ModelSpec s = spec(Architecture.BIGGAN, 64, 4, 5, 25, 8, true, Set.of(16), 3);
        Generator g = Models.generator(s, ComputeDevice.CPU);
        g.eval();
        var before = StateDict.copyOf(g);
        NativeMemory.scoped(() -> g.forward(Tensors.randn(ComputeDevice.CPU, 2, 25),
                Tensors.fromLongs(new long[] {1, 2}, ComputeDevice.CPU, 2)));
        var after = StateDict.of(g);
        for (String k : before.keySet()) {
            assertTrue(torch.equal(before.get(k), after.get(k)), k + " changed in eval mode");
        }
        g.train(true);
        NativeMemory.scoped(() -> g.forward(Tensors.randn(ComputeDevice.CPU, 2, 25),
                Tensors.fromLongs(new long[] {1, 2}, ComputeDevice.CPU, 2)));
        boolean changed = false;
        for (String k : before.keySet()) {
            changed |= !torch.equal(before.get(k), StateDict.of(g).get(k));
        }
        assertTrue(changed, "training mode updates u vectors and running statistics");
    }
}
