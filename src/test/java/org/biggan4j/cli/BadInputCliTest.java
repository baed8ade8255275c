package org.biggan4j.cli;

import org.biggan4j.checkpoint.torchfile.TorchFiles;
import org.biggan4j.checkpoint.torchfile.TorchFiles.Pickle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 at the command line: damaged weight folders and configuration files end in one line
 * that names the file, with exit code 2 (bad input), and write nothing.
 */
class BadInputCliTest {

    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(BadInputCliTest.class.getResource("/fixtures/" + name).toURI());
    }

    /** Exit code 2 and one line on stderr that contains every one of {@code expected}. */
    static void badInput(Cli.Run r, String... expected) {
        assertEquals(2, r.code(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        for (String e : expected) {
            assertTrue(err.contains(e), "'" + e + "' in: " + err);
        }
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }

    /** A pytorch-pretrained-BigGAN folder: the fixture's weights and a config.json edited by {@code edit}. */
    Path folder(String name, String configJson) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.copy(fixture("pretrained-biggan-deep/pytorch_model.bin"), folder.resolve("pytorch_model.bin"));
        Files.writeString(folder.resolve("config.json"), configJson);
        return folder;
    }

    @Test
    void importOfADamagedHuggingFaceFolderIsOneLineAndExitTwo() throws Exception {
        String config = Files.readString(fixture("pretrained-biggan-deep/config.json"));
        Path out = dir.resolve("out.b4j");

        Path wrongType = folder("type", config.replace("\"channel_width\": 6", "\"channel_width\": \"six\""));
        badInput(Cli.run("import", "--format", "hf-biggan-deep", "--in", wrongType.toString(), "--out", out.toString()),
                wrongType.resolve("config.json").toString(), "channel_width");

        Path nested = folder("nested", "{\"layers\": " + "[".repeat(50_000) + "]".repeat(50_000) + "}");
        badInput(Cli.run("import", "--format", "hf-biggan-deep", "--in", nested.toString(), "--out", out.toString()),
                "config.json", "nests deeper");

        Path broken = folder("broken", config.substring(0, config.length() / 2));
        badInput(Cli.run("import", "--format", "hf-biggan-deep", "--in", broken.toString(), "--out", out.toString()),
                "config.json", "not valid JSON");

        // The weights replaced by a pickle that reaches for os.system: refused, nothing runs.
        Path evil = folder("evil", config);
        Files.write(evil.resolve("pytorch_model.bin"), TorchFiles.zip(new Pickle().global("os", "system").op('(')
                .string("touch " + dir.resolve("ran")).op('t').op('R').stop(), Map.of(), false));
        badInput(Cli.run("import", "--format", "hf-biggan-deep", "--in", evil.toString(), "--out", out.toString()),
                "pytorch_model.bin", "os.system");
        assertFalse(Files.exists(dir.resolve("ran")));

        // A tensor whose stride reaches past its storage.
        Path strided = folder("strided", config);
        Files.write(strided.resolve("pytorch_model.bin"), TorchFiles.zip(TorchFiles.stateDict(new TorchFiles.View(
                "embeddings.weight", "0", 4, 0, new long[] {128, 1000}, new long[] {1L << 40, 1})),
                Map.of("0", TorchFiles.floats(4)), false));
        badInput(Cli.run("import", "--format", "hf-biggan-deep", "--in", strided.toString(), "--out", out.toString()),
                "pytorch_model.bin", "reaches element");
        assertFalse(Files.exists(out));
    }

    @Test
    void importOfDamagedSafetensorsAndGeneratorArgsIsOneLineAndExitTwo() throws Exception {
        Path out = dir.resolve("out.b4j");
        Path st = dir.resolve("bad.safetensors");
        Files.write(st, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, 0x7f, '{', '}'});
        badInput(Cli.run("import", "--format", "safetensors", "--in", st.toString(), "--out", out.toString()),
                st.toString(), "header length");

        Path args = dir.resolve("generator_args.json");
        Files.writeString(args, Files.readString(fixture("biggan-pytorch/generator_args.json"))
                .replace("\"G_ch\": 6", "\"G_ch\": 99999999999"));
        badInput(Cli.run("import", "--format", "biggan-pytorch", "--in", fixture("biggan-pytorch/G.pth").toString(),
                "--config", args.toString(), "--out", out.toString()), args.toString(), "G_ch");
        assertFalse(Files.exists(out));
    }

    @Test
    void trainWithABadPresetFileIsOneLineAndExitTwo() throws Exception {
        Path run = dir.resolve("run");
        String[][] files = {
                {"type.yaml", "model:\n  ch: eight\n", "model.ch"},
                {"laughs.yaml", "model:\n  attention: &a [1, 2]\n  classes: [*a, *a, *a, *a]\n", "model.classes"},
                {"deep.yaml", "model:\n  attention: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n", "nests deeper"},
                {"long.yaml", "data:\n  path: " + "p".repeat(10_000) + "\n", "data.path"},
                {"section.yaml", "training: 5\n", "'training' is a section"}};
        for (String[] f : files) {
            Path file = Files.writeString(dir.resolve(f[0]), f[1]);
            badInput(Cli.run("train", "--preset", file.toString(), "--out", run.toString()), file.toString(), f[2]);
        }
        assertFalse(Files.exists(run.resolve("checkpoints")), "nothing trained");
    }
}
