package org.biggan4j.train;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FreezeD (Mo et al. 2020): D's first k blocks stay bit-identical while the rest of D trains. */
class FreezeDTest {

    private static TrainConfig config(String... more) {
        List<String> overrides = new ArrayList<>(List.of("model.ch=4", "training.batch_size=8", "training.iterations=3",
                "output.sample_every=0", "output.eval_every=0", "output.log_every=1", "seed=5",
                "data.subset_per_class=4"));
        overrides.addAll(List.of(more));
        return ConfigLoader.load("fmnist-demo", overrides);
    }

    @Test
    void frozenBlocksStayBitIdenticalWithTheirSpectralNormVectorsWhileTheRestTrains(@TempDir Path dir) {
        try (TrainingSession session = SessionFactory.create(config("training.freeze_d_blocks=2"), dir)) {
            Discriminator d = session.discriminator();
            assertTrue(d.blocks().size() > 2, "the 32 px BigGAN D has more blocks than the two frozen");
            Map<String, Tensor> before = StateDict.copyOf(d);
            new TrainingLoop(session, List.of(), new StopSignal()).run();
            assertEquals(3, session.iteration());
            Map<String, Tensor> after = StateDict.of(d);
            int frozen = 0;
            int changedWeights = 0;
            for (String name : before.keySet()) {
                boolean equal = torch.equal(before.get(name), after.get(name));
                if (name.startsWith("blocks.0.") || name.startsWith("blocks.1.")) {
                    assertTrue(equal, name + " is in a frozen block but changed");
                    frozen++;
                } else if (name.endsWith("weight") && !equal) {
                    changedWeights++;
                }
            }
            assertTrue(frozen > 0, "the frozen blocks hold tensors");
            assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("blocks.0.") && k.endsWith("weight_u")),
                    "spectral-norm vectors are among the frozen tensors");
            assertTrue(changedWeights > 0, "the unfrozen blocks and the head train");
            assertTrue(after.keySet().stream().filter(k -> k.startsWith("blocks.2.") && k.endsWith("weight"))
                    .anyMatch(k -> !torch.equal(before.get(k), after.get(k))), "block 2 trains");
            // Left out of D's optimiser: no Adam moments (nor weight decay) for frozen parameters.
            long all = d.parameters().size();
            long frozenParameters = 0;
            for (List<Module> block : d.blocks().subList(0, 2)) {
                for (Module m : block) {
                    frozenParameters += m.parameters().size();
                }
            }
            assertEquals(all - frozenParameters, session.step().discriminatorOptimizer().parameters().size());
            // After the G update (which switches D's gradients off and on) the frozen ones stay off.
            for (Module m : d.blocks().get(0)) {
                assertFalse(m.parameters().get(0).requires_grad(), "frozen parameters stay without gradients");
            }
        }
    }

    @Test
    void withoutFreezingTheSameBlocksChange(@TempDir Path dir) {
        try (TrainingSession session = SessionFactory.create(config(), dir)) {
            Map<String, Tensor> before = StateDict.copyOf(session.discriminator());
            new TrainingLoop(session, List.of(), new StopSignal()).run();
            Map<String, Tensor> after = StateDict.of(session.discriminator());
            assertTrue(before.keySet().stream().filter(k -> k.startsWith("blocks.0."))
                    .anyMatch(k -> !torch.equal(before.get(k), after.get(k))), "block 0 trains when nothing is frozen");
        }
    }

    @Test
    void moreBlocksThanDHasIsOneLineNamingTheKey(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SessionFactory.create(config("training.freeze_d_blocks=9"), dir).close());
        assertTrue(e.getMessage().contains("training.freeze_d_blocks=9 is more than the 4 blocks of the biggan "
                + "discriminator at 32 px"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        IllegalArgumentException clip = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(
                "wgan-clip", List.of("training.freeze_d_blocks=1")));
        assertTrue(clip.getMessage().contains("regularizers.clip"), clip.getMessage());
    }

    @Test
    void aBigGanDeepBlockOneIncludesTheInputConvolution() {
        TrainConfig c = ConfigLoader.load("biggan-deep-128", List.of("model.ch=2", "model.resolution=64",
                "model.attention=[]"));
        Discriminator d = Models.discriminator(Models.spec(c.model(), false, 3, 3), ComputeDevice.CPU);
        d.freezeBlocks(1);
        Map<String, Tensor> params = new LinkedHashMap<>();
        StringTensorDict named = d.named_parameters(true);
        for (long i = 0; i < named.size(); i++) {
            params.put(named.get(i).key().getString(), named.get(i).value());
        }
        params.forEach((name, p) -> assertEquals(!(name.startsWith("input_conv.") || name.startsWith("blocks.0.")),
                p.requires_grad(), name));
        assertEquals(1, d.frozenBlocks());
    }
}
