package org.biggan4j.model.zoo;

import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.Generator;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.nn.Init;
import org.biggan4j.tensor.ComputeDevice;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ModelSize} against models built on the meta device (shapes only, nothing allocated):
 * every architecture and resolution at small widths, conditional and not, with and without the
 * shared embedding, hierarchical z and attention, and every preset at its published width
 * ({@code PublishedSizesTest} repeats the presets on real CPU models).
 */
class ModelSizeTest {

    static List<ModelSpec> specs() {
        List<ModelSpec> specs = new ArrayList<>(ModelsTest.smallSpecs());
        // Per-layer class embeddings (BigGAN-PyTorch's CIFAR setting), no spectral norm, plain BN.
        specs.add(new ModelSpec(Architecture.BIGGAN, 32, 4, 10, 16, 0, false, Set.of(16), 3, false, false,
                Init.DEFAULT, 1e-4, 1e-4, false, true, false));
        specs.add(ModelsTest.spec(Architecture.BIGGAN, 64, 4, 0, 16, 0, false, Set.of(16), 1));
        specs.add(ModelsTest.spec(Architecture.BIGGAN_DEEP, 256, 8, 7, 16, 8, false, Set.of(32, 64), 3));
        specs.add(ModelsTest.spec(Architecture.BIGGAN_DEEP, 512, 8, 7, 16, 8, false, Set.of(128), 1));
        specs.add(new ModelSpec(Architecture.BIGGAN_DEEP, 128, 4, 7, 16, 8, false, Set.of(64), 3, true, true,
                Init.DEFAULT, 1e-4, 1e-4, false, false, false, 51));
        specs.add(new ModelSpec(Architecture.DCGAN, 64, 4, 3, 16, 0, false, Set.of(), 3, false, false,
                Init.DEFAULT, 1e-4, 1e-4, false, true, false));
        for (String preset : ConfigLoader.PRESETS) {
            specs.add(PublishedSizesTest.publishedSpec(ConfigLoader.load(preset, List.of())));
        }
        return specs;
    }

    @Test
    void countsEqualBuiltModels() {
        for (ModelSpec spec : specs()) {
            Generator g = Models.generator(spec, ComputeDevice.META);
            Discriminator d = Models.discriminator(spec, ComputeDevice.META);
            try {
                assertEquals(Models.parameterCount(g), ModelSize.generatorParameters(spec), "G of " + spec);
                assertEquals(Models.parameterCount(d), ModelSize.discriminatorParameters(spec), "D of " + spec);
                assertEquals(Models.parameterCount(g) + Models.parameterCount(d), ModelSize.parameters(spec));
            } finally {
                g.close();
                d.close();
            }
        }
    }

    @Test
    void anEnormousWidthIsSizedAtOnceAndSaturates() {
        long start = System.nanoTime();
        ModelSpec wide = ModelsTest.spec(Architecture.BIGGAN_DEEP, 512, 100_000, 1000, 128, 128, false, Set.of(64), 3);
        // 2048 x ch^2 / 16 x 9 per 3x3 at the bottom alone: hundreds of billions.
        assertTrue(ModelSize.parameters(wide) > 100_000_000_000L, "ch 100000: " + ModelSize.parameters(wide));
        ModelSpec widest = ModelsTest.spec(Architecture.BIGGAN_DEEP, 512, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE, Integer.MAX_VALUE, false, Set.of(64), 3);
        assertEquals(Long.MAX_VALUE, ModelSize.parameters(widest));
        ModelSpec dcgan = ModelsTest.spec(Architecture.DCGAN, 64, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE, 0, false, Set.of(), 3);
        assertEquals(Long.MAX_VALUE, ModelSize.parameters(dcgan));
        assertTrue(System.nanoTime() - start < 1_000_000_000L, "sizing took over a second");
    }
}
