package org.biggan4j.config;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.biggan4j.checkpoint.HostileInput;
import org.biggan4j.io.BadInputException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19's reader contract for YAML preset files: mutations, alias and nesting bombs, wrong types. */
class ConfigLoaderFuzzTest {

    /** jqwik properties run outside JUnit's lifecycle, so no @TempDir: files are deleted after each try. */
    static final Path DIR = HostileInput.tempDir("config-fuzz");

    /** A preset file touching every kind of value: numbers, lists, enums, booleans, nested sections. */
    static final String VALID = """
            model:
              architecture: biggan
              resolution: 32
              ch: 8
              attention: [16]
              classes: 10
            objective:
              kind: hinge
            optimizer:
              generator: {lr: 2.0e-4, beta1: 0.0}
            training:
              batch_size: 4
              iterations: 100
            data:
              flips: true
            seed: 7
            """;


    static Path write(String name, String text) throws IOException {
        return Files.writeString(DIR.resolve(name), text);
    }

    static BadInputException refused(Path file) {
        BadInputException e = assertThrows(BadInputException.class,
                () -> ConfigLoader.load(file.toString(), List.of()));
        HostileInput.assertOneLine(e, file, "hand-made file");
        return e;
    }

    @Property(tries = 400, seed = "19201")
    void mutatedPresetFilesLoadOrAreRefusedInOneLine(@ForAll long seed) throws Exception {
        Path file = DIR.resolve("fuzz.yaml");
        Files.write(file, HostileInput.mutate(VALID.getBytes(StandardCharsets.UTF_8), seed));
        try {
            HostileInput.readOrRefused(file, seed, () -> ConfigLoader.load(file.toString(), List.of()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void theValidSeedLoads() throws Exception {
        TrainConfig c = ConfigLoader.load(write("valid.yaml", VALID).toString(), List.of());
        assertEquals(8, c.model().ch());
        assertEquals(List.of(16), c.model().attention());
    }

    @Test
    void aBillionLaughsFileIsRefusedQuicklyAndInOneLine() throws Exception {
        // Nine levels of nine aliases: 387 million strings if aliases were expanded.
        StringBuilder yaml = new StringBuilder("model:\n  attention: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","
                + "\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (int i = 1; i < 9; i++) {
            yaml.append("  a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                yaml.append(j == 0 ? "" : ",").append("*a").append(i - 1);
            }
            yaml.append("]\n");
        }
        long start = System.nanoTime();
        String m = refused(write("laughs.yaml", yaml.toString())).getMessage();
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused within seconds");
        assertTrue(m.contains("model.attention") || m.contains("model.a1"), m);

        // An alias used where a number belongs: the key is named, not a parser's class name.
        String alias = refused(write("alias.yaml", "seed: &s 3\nmodel:\n  ch: *s\n  resolution: [*s, *s]\n"))
                .getMessage();
        assertTrue(alias.contains("model."), alias);
    }

    @Test
    void nestingBombsAreRefusedBeforeTheStackOverflows() throws Exception {
        int depth = 100_000;
        String flow = "model:\n  attention: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
        assertTrue(refused(write("flow.yaml", flow)).getMessage().contains("nests deeper than the limit of 512"));
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            block.append(" ".repeat(i)).append("k").append(i).append(":\n");
        }
        refused(write("block.yaml", block.toString()));
    }

    @Test
    void wrongTypesNameTheKeyAndTheFile() throws Exception {
        String[][] cases = {
                {"model:\n  ch: eight\n", "model.ch"},
                {"model:\n  ch: 99999999999999999999\n", "model.ch"},
                {"training:\n  iterations: 9223372036854775808\n", "training.iterations"},
                {"model: [1, 2]\n", "'model' is a section"},
                {"model: 3\n", "'model' is a section"},
                {"objective:\n  kind: {a: 1}\n", "objective.kind"},
                {"- a\n- b\n", "YAML mapping"},
                {"model:\n  ch: 8\n  ch: 9\n", "Duplicate"},
                {"model:\n  attention: [a, b]\n", "model.attention"},
                {"model:\n  ch: 1e999\n", "model.ch"},
                {"model: {ch: [unclosed\n", "not valid YAML"},
                {"", "nothing"}};
        for (String[] c : cases) {
            Path file = write("types.yaml", c[0]);
            String m = refused(file).getMessage();
            assertTrue(m.contains(c[1]), c[0] + " -> " + m);
        }
    }

    @Test
    void veryLongStringsAndKeysAreRefusedWithAClearLine() throws Exception {
        String m = refused(write("long.yaml", "data:\n  path: " + "x".repeat(100_000) + "\n")).getMessage();
        assertTrue(m.contains("data.path") && m.contains("100000 characters"), m);
        String key = refused(write("longkey.yaml", "model:\n  " + "k".repeat(100_000) + ": 1\n")).getMessage();
        assertTrue(key.length() < 400, key);
        IllegalArgumentException set = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("dcgan", List.of("data.path=" + "y".repeat(100_000))));
        assertTrue(set.getMessage().length() < 400 && set.getMessage().contains("characters long"), set.getMessage());
        HostileInput.withLimit("text_bytes", 1000, () -> assertTrue(refused(write("big.yaml",
                VALID + "#" + "c".repeat(2000) + "\n")).getMessage().contains("text_bytes")));
    }

    @Test
    void overridesAreBoundedToo() {
        IllegalArgumentException deep = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load("dcgan", List.of("model.attention=" + "[".repeat(5000) + "]".repeat(5000))));
        assertTrue(deep.getMessage().contains("model.attention") && !deep.getMessage().contains("\n"),
                deep.getMessage());
    }
}
