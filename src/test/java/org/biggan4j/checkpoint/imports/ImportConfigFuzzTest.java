package org.biggan4j.checkpoint.imports;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.HostileInput;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's reader contract for the JSON that describes imported weights: pytorch-pretrained-BigGAN's
 * config.json and BigGAN-PyTorch's generator_args.json, mutated and hand-made, read and turned
 * into a biggan4j configuration (all before a byte of weights is read).
 */
class ImportConfigFuzzTest {

    /** jqwik properties run outside JUnit's lifecycle, so no @TempDir: files are deleted after each try. */
    static final Path DIR = HostileInput.tempDir("import-fuzz");


    static byte[] fixture(String path) throws Exception {
        return Files.readAllBytes(Path.of(ImportConfigFuzzTest.class.getResource("/fixtures/" + path).toURI()));
    }

    static void readHf(Path file) {
        HfBigGanDeepConfig hf = HfBigGanDeepConfig.read(file);
        LayoutErrors.config(file, hf::config);
    }

    static void readArgs(Path file) {
        BigGanPyTorchArgs args = BigGanPyTorchArgs.read(file);
        LayoutErrors.config(file, args::config);
    }

    static String refused(String name, String json, boolean hf) throws IOException {
        Path file = Files.writeString(DIR.resolve(name), json);
        CheckpointException e = assertThrows(CheckpointException.class, () -> {
            if (hf) {
                readHf(file);
            } else {
                readArgs(file);
            }
        });
        HostileInput.assertOneLine(e, file, json.length() > 200 ? json.substring(0, 200) : json);
        return e.getMessage();
    }

    /** Each case {original, replacement, expected words}: the edited file is refused naming the key. */
    static void assertCases(String name, String valid, String[][] cases, boolean hf) throws IOException {
        for (String[] c : cases) {
            assertTrue(valid.contains(c[0]), c[0]);
            String m = refused(name, valid.replace(c[0], c[1]), hf);
            assertTrue(m.contains(c[2]), c[1] + " -> " + m);
        }
    }

    @Property(tries = 300, seed = "19301")
    void mutatedConfigJsonIsReadOrRefusedInOneLine(@ForAll long seed) throws Exception {
        fuzz("pretrained-biggan-deep/config.json", seed, true);
    }

    @Property(tries = 300, seed = "19302")
    void mutatedGeneratorArgsAreReadOrRefusedInOneLine(@ForAll long seed) throws Exception {
        fuzz("biggan-pytorch/generator_args.json", seed, false);
    }

    /** Reads the fixture {@code path} mutated by {@code seed} as an HF config or as generator arguments. */
    static void fuzz(String path, long seed, boolean hf) throws Exception {
        Path file = DIR.resolve(Path.of(path).getFileName().toString());
        Files.write(file, HostileInput.mutate(fixture(path), seed));
        try {
            HostileInput.readOrRefused(file, seed, () -> {
                if (hf) {
                    readHf(file);
                } else {
                    readArgs(file);
                }
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void hfConfigValuesAreTypedAndRangedByKey() throws Exception {
        String valid = new String(fixture("pretrained-biggan-deep/config.json"));
        String[][] cases = {
                {"\"channel_width\": 6", "\"channel_width\": \"6\"", "channel_width must be an integer"},
                {"\"channel_width\": 6", "\"channel_width\": 2147483647", "channel_width must be an integer from 1"},
                {"\"channel_width\": 6", "\"channel_width\": -1", "channel_width"},
                {"\"num_classes\": 1000", "\"num_classes\": 18446744073709551616", "num_classes"},
                {"\"eps\": 0.0001", "\"eps\": 1e999", "eps must be a positive finite number"},
                {"\"eps\": 0.0001", "\"eps\": [1]", "eps"},
                {"\"n_stats\": 51", "\"n_stats\": 1", "n_stats 1"},
                {"\"output_dim\": 128", "\"output_dim\": 100", "output_dim 100"},
                {"\"z_dim\": 128", "\"z_dim\": 128, \"evil\": 1", "'evil' is not a field"},
                {"\"attention_layer_position\": 8", "\"attention_layer_position\": 99", "attention_layer_position"},
                {"true,\n      16,\n      8", "true,\n      16,\n      9999999999", "layers[3]"}};
        assertCases("config.json", valid, cases, true);
        assertTrue(refused("config.json", "[1, 2]", true).contains("must hold a JSON object"));
        assertTrue(refused("config.json", "{\"layers\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}", true)
                .contains("nests deeper"));
        assertTrue(refused("config.json", "{\"z_dim\": 12", true).contains("not valid JSON"));
        assertTrue(refused("config.json", "{\"" + "k".repeat(1_000_000) + "\": 1}", true).length() < 500);
    }

    @Test
    void generatorArgsValuesAreTypedAndRangedByKey() throws Exception {
        String valid = new String(fixture("biggan-pytorch/generator_args.json"));
        String[][] cases = {
                {"\"G_ch\": 6", "\"G_ch\": 2147483647", "G_ch must be an integer from 0"},
                {"\"G_ch\": 6", "\"G_ch\": 6.5", "G_ch"},
                {"\"G_ch\": 6", "\"G_ch\": 0", "cannot build"},
                {"\"hier\": true", "\"hier\": \"yes\"", "hier must be true or false"},
                {"\"G_attn\": \"64\"", "\"G_attn\": \"sixty\"", "G_attn 'sixty'"},
                {"\"G_attn\": \"64\"", "\"G_attn\": {\"a\": " + "[".repeat(50) + "]".repeat(50) + "}", "G_attn must be a string"},
                {"\"BN_eps\": 1e-05", "\"BN_eps\": -1", "BN_eps"},
                {"\"resolution\": 128", "\"resolution\": 96", "resolution 96"}};
        assertCases("generator_args.json", valid, cases, false);
        HostileInput.withLimit("text_bytes", 100, () -> assertTrue(
                refused("generator_args.json", valid, false).contains("text_bytes")));
    }
}
