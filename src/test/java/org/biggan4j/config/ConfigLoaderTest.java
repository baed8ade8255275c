package org.biggan4j.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @Test
    void everyPresetLoadsAndValidates() {
        for (String preset : ConfigLoader.PRESETS) {
            TrainConfig c = ConfigLoader.load(preset, List.of());
            assertTrue(c.training().iterations() > 0, preset);
        }
    }

    @Test
    void presetsCarryThePapersSettings() {
        TrainConfig big = ConfigLoader.load("biggan-128", List.of());
        assertEquals(96, big.model().ch());
        assertEquals(120, big.model().latentDim());
        assertEquals(2, big.training().dSteps());
        assertEquals(5e-5, big.optimizer().generator().lr());
        assertEquals(2e-4, big.optimizer().discriminator().lr());
        assertEquals(0.0, big.optimizer().generator().beta1());
        assertEquals(0.9999, big.training().emaDecay());
        assertEquals(2048, big.training().batchSize() * big.training().accumulation());
        assertEquals(List.of(128), ConfigLoader.load("biggan-256", List.of()).model().attention());
        // The BigGAN paper's z sizes (appendix B, tables 4-6): 120, 140 and, at 512 px, 128.
        assertEquals(140, ConfigLoader.load("biggan-256", List.of()).model().latentDim());
        assertEquals(128, ConfigLoader.load("biggan-512", List.of()).model().latentDim());

        TrainConfig wgan = ConfigLoader.load("wgan-clip", List.of());
        assertEquals(ObjectiveKind.WASSERSTEIN, wgan.objective().kind());
        assertEquals(OptimizerKind.RMSPROP, wgan.optimizer().discriminator().kind());
        assertEquals(5e-5, wgan.optimizer().discriminator().lr());
        assertEquals(0.01, wgan.regularizers().clip());
        assertEquals(5, wgan.training().dSteps());
        assertTrue(wgan.model().dcganNoBias());

        TrainConfig deep = ConfigLoader.load("biggan-deep-256", List.of());
        assertEquals(Architecture.BIGGAN_DEEP, deep.model().architecture());
        assertEquals(2.5e-5, deep.optimizer().generator().lr());
        assertEquals(2.5e-5, deep.optimizer().discriminator().lr());
    }

    @Test
    void overridesReachEveryKindOfValue() {
        TrainConfig c = ConfigLoader.load("biggan-128", List.of("model.ch=32", "training.batch_size=16",
                "objective.kind=least_squares", "model.attention=[32, 64]", "optimizer.generator.lr=1e-4",
                "data.flips=true", "seed=42"));
        assertEquals(32, c.model().ch());
        assertEquals(16, c.training().batchSize());
        assertEquals(ObjectiveKind.LEAST_SQUARES, c.objective().kind());
        assertEquals(List.of(32, 64), c.model().attention());
        assertEquals(1e-4, c.optimizer().generator().lr());
        assertTrue(c.data().flips());
        assertEquals(42, c.seed());
    }

    @Test
    void collapseActionOffSurvivesYamlReadingItAsABoolean() {
        assertEquals(TrainConfig.OnCollapse.OFF,
                ConfigLoader.load("fmnist-demo", List.of("health.on_collapse=off")).health().onCollapse());
        assertEquals(TrainConfig.OnCollapse.ROLLBACK,
                ConfigLoader.load("fmnist-demo", List.of("health.on_collapse=Rollback")).health().onCollapse());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("fmnist-demo", List.of("health.on_collapse=explode")));
        assertTrue(e.getMessage().contains("health.on_collapse"), e.getMessage());
    }

    @Test
    void unknownKeysAreRejectedWithASuggestion() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("biggan-128", List.of("training.batchsize=16")));
        assertTrue(e.getMessage().contains("training.batchsize") && e.getMessage().contains("batch_size"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load("biggan-128", List.of("nosuch.key=1")));
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load("biggan-128", List.of("no-equals-sign")));
    }

    @Test
    void badValuesNameTheKey() {
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("biggan-128", List.of("training.batch_size=many")));
        assertTrue(type.getMessage().contains("training.batch_size"), type.getMessage());
        IllegalArgumentException choice = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("biggan-128", List.of("objective.kind=wasserstien")));
        assertTrue(choice.getMessage().contains("objective.kind") && choice.getMessage().contains("wasserstein"),
                choice.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("biggan-128", List.of("training.batch_size=0")));
        assertTrue(range.getMessage().contains("training.batch_size"), range.getMessage());
    }

    @Test
    void crossFieldRulesAreEnforced() {
        IllegalArgumentException res = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("biggan-128", List.of("model.resolution=96")));
        assertTrue(res.getMessage().contains("model.resolution 96"), res.getMessage());
        IllegalArgumentException gp = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("wgan-gp", List.of("model.dcgan_critic_batch_norm=true")));
        assertTrue(gp.getMessage().contains("dcgan_critic_batch_norm=false"), gp.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load("hinge-gan", List.of()));
    }

    @Test
    void everyPresetRoundTripsAndOldCheckpointsWithoutNewerKeysTakeTheDefaults() throws Exception {
        for (String preset : ConfigLoader.PRESETS) {
            TrainConfig c = ConfigLoader.load(preset, List.of());
            assertEquals(c, ConfigLoader.fromJson(ConfigLoader.toJson(c)), preset);
        }
        // A configuration written before model.truncation_bn_rows and training.ema_decay existed.
        var mapper = new ObjectMapper();
        var tree = (ObjectNode) mapper.readTree(ConfigLoader.toJson(
                ConfigLoader.load("fmnist-demo", List.of("model.ch=8"))));
        ((ObjectNode) tree.get("model")).remove("truncation_bn_rows");
        ((ObjectNode) tree.get("training")).remove("ema_decay");
        TrainConfig old = ConfigLoader.fromJson(mapper.writeValueAsString(tree));
        assertEquals(0, old.model().truncationBnRows());
        assertEquals(0.9999, old.training().emaDecay(), "a missing key takes defaults.yaml's value (the preset's is 0.99)");
        assertEquals(8, old.model().ch(), "stored keys are kept");
        tree.put("no_such_key", 1);
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromJson(mapper.writeValueAsString(tree)));
    }

    @Test
    void resolvedConfigRoundTripsThroughJson() {
        TrainConfig c = ConfigLoader.load("wgan-gp", List.of("seed=3"));
        assertEquals(c, ConfigLoader.fromJson(ConfigLoader.toJson(c)));
        assertFalse(ConfigLoader.toYaml(c).isBlank());
        TrainConfig resumed = ConfigLoader.withOverrides(c, List.of("optimizer.generator.lr=3e-5"));
        assertEquals(3e-5, resumed.optimizer().generator().lr());
    }

    @Test
    void presetFilesFromDiskAreDiffsOverTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, "model:\n  resolution: 64\n  attention: []\ntraining:\n  batch_size: 8\n");
        TrainConfig c = ConfigLoader.load(file.toString(), List.of());
        assertEquals(64, c.model().resolution());
        assertEquals(8, c.training().batchSize());
        assertEquals(96, c.model().ch());
        Files.writeString(file, "model:\n  resolutoin: 64\n");
        // A preset file's refusal is bad input naming the file (exit 2), not only the key.
        BadInputException e = assertThrows(BadInputException.class,
                () -> ConfigLoader.load(file.toString(), List.of()));
        assertTrue(e.getMessage().contains("model.resolutoin") && e.getMessage().contains(file.toString()),
                e.getMessage());
    }
}
