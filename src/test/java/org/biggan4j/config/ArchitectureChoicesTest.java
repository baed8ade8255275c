package org.biggan4j.config;

import org.biggan4j.config.TrainConfig.Architecture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The choices {@code defaults.yaml} documents are the ones the configuration accepts. */
class ArchitectureChoicesTest {

    @Test
    void defaultsYamlOffersExactlyTheArchitecturesOfTheEnum() throws IOException {
        String yaml;
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/org/biggan4j/presets/defaults.yaml")) {
            assertNotNull(in, "defaults.yaml on the class path");
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String line = yaml.lines().filter(l -> l.strip().startsWith("architecture:")).findFirst().orElseThrow();
        List<String> offered = Arrays.stream(line.substring(line.indexOf('#') + 1).split("\\|"))
                .map(String::strip).toList();
        List<String> accepted = Arrays.stream(Architecture.values())
                .map(a -> a.name().toLowerCase(Locale.ROOT)).toList();
        assertEquals(accepted, offered, line);
    }

    @Test
    void theValidatorAcceptsExactlyTheArchitecturesResolutions() {
        for (Architecture a : Architecture.values()) {
            for (int r = 8; r <= 1024; r *= 2) {
                // fmnist-demo: no attention, no hierarchical z, so only the resolution can be refused.
                List<String> set = List.of("model.architecture=" + a.name().toLowerCase(Locale.ROOT),
                        "model.resolution=" + r);
                if (a.resolutions().contains(r)) {
                    assertEquals(r, ConfigLoader.load("fmnist-demo", set).model().resolution());
                } else {
                    var e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load("fmnist-demo", set));
                    assertTrue(e.getMessage().contains("use one of " + a.resolutions()), e.getMessage());
                }
            }
        }
    }
}
