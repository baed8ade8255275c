package org.biggan4j.cli;

import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code biggan4j import --format biggan-pytorch} and {@code --format hf-biggan-deep} on the
 * reference fixtures, then {@code sample} from the written checkpoint: the images must be the
 * reference outputs.
 */
class ImportCommandTest {

    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(ImportCommandTest.class.getResource("/fixtures/biggan-pytorch/" + name).toURI());
    }

    private double sampleAndCompare(Path checkpoint, String z, String reference) throws Exception {
        Path npy = dir.resolve("samples-" + z);
        Cli.Run r = Cli.run("sample", checkpoint.toString(), "--z", fixture(z).toString(), "--classes", "0,207,409,999",
                "--npy", npy.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        Tensor ours = Npy.read(npy, ComputeDevice.CPU);
        Tensor theirs = Npy.read(fixture(reference), ComputeDevice.CPU);
        assertArrayEquals(Tensors.shape(theirs), Tensors.shape(ours));
        return ours.sub(theirs).abs().max().item_double();
    }

    @Test
    void importedWeightsSampleTheReferenceImages() throws Exception {
        Path ckpt = dir.resolve("g-ema.b4j");
        Cli.Run r = Cli.run("import", "--format", "biggan-pytorch", "--in", fixture("G_ema.pth").toString(),
                "--config", fixture("generator_args.json").toString(), "--out", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("G_ch 6"), r.out());
        double error = sampleAndCompare(ckpt, "z.npy", "out.npy");
        assertTrue(error <= 1e-4, "max abs difference to out.npy " + error);
    }

    @Test
    void withoutAConfigTheArchitectureIsInferredFromTheShapes() throws Exception {
        Path ckpt = dir.resolve("g.b4j");
        Cli.Run r = Cli.run("import", "--format", "biggan-pytorch", "--in", fixture("G.pth").toString(),
                "--out", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        double error = sampleAndCompare(ckpt, "z_trunc.npy", "out_trunc.npy");
        assertTrue(error <= 1e-4, "max abs difference to out_trunc.npy " + error);
        // 1000 classes and no stored names: ImageNet's names.
        Path one = dir.resolve("tench.npy");
        Cli.Run named = Cli.run("sample", ckpt.toString(), "--class", "tench", "-n", "2", "--npy", one.toString(),
                "--truncation", "0.5", "--standing-stats", "2", "--standing-batch", "4");
        assertEquals(0, named.code(), named.err());
        assertArrayEquals(new long[] {2, 3, 128, 128}, Tensors.shape(Npy.read(one, ComputeDevice.CPU)));
    }

    @Test
    void classMixturesInterpolateTheEmbeddingAndAOneHotMixtureIsTheClass() throws Exception {
        Path ckpt = dir.resolve("mix.b4j");
        assertEquals(0, Cli.run("import", "--format", "biggan-pytorch", "--in", fixture("G.pth").toString(),
                "--out", ckpt.toString()).code());
        Path z = fixture("z.npy");
        Path hard = dir.resolve("hard.npy");
        Path oneHot = dir.resolve("one-hot.npy");
        Path half = dir.resolve("half.npy");
        assertEquals(0, Cli.run("sample", ckpt.toString(), "--z", z.toString(), "--classes", "207", "--npy",
                hard.toString()).code());
        Cli.Run r = Cli.run("sample", ckpt.toString(), "--z", z.toString(), "--classes", "207:1", "--npy",
                oneHot.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("classes mixed as golden retriever 1"), r.out());
        assertEquals(0, Cli.run("sample", ckpt.toString(), "--z", z.toString(), "--classes", "207:0.5,409:0.5",
                "--npy", half.toString()).code());
        Tensor a = Npy.read(hard, ComputeDevice.CPU);
        assertTrue(a.sub(Npy.read(oneHot, ComputeDevice.CPU)).abs().max().item_double() < 1e-5,
                "a one-hot mixture is the class itself");
        assertTrue(a.sub(Npy.read(half, ComputeDevice.CPU)).abs().max().item_double() > 1e-2, "a mixture differs");

        Cli.Run bad = Cli.run("sample", ckpt.toString(), "--classes", "207:0.5,409", "--npy", dir.resolve("x.npy")
                .toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'409' is not id:weight"), bad.err());
        Cli.Run negative = Cli.run("sample", ckpt.toString(), "--classes", "207:-1", "--npy", dir.resolve("x.npy")
                .toString());
        assertEquals(2, negative.code());
        assertTrue(negative.err().contains("finite number >= 0"), negative.err());
        assertFalse(Files.exists(dir.resolve("x.npy")));
    }

    @Test
    void aFileThatDoesNotFitTheArgumentsIsOneLineAndWritesNothing() throws Exception {
        Path args = dir.resolve("generator_args.json");
        Files.writeString(args, Files.readString(fixture("generator_args.json")).replace("\"G_attn\": \"64\"",
                "\"G_attn\": \"32\""));
        Path ckpt = dir.resolve("bad.b4j");
        Cli.Run r = Cli.run("import", "--format", "biggan-pytorch", "--in", fixture("G.pth").toString(),
                "--config", args.toString(), "--out", ckpt.toString());
        assertEquals(2, r.code(), r.err()); // bad input (issue 19: one exit code for every reader)
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("'blocks.3.1.gamma'"), r.err());
        assertFalse(Files.exists(ckpt));

        Cli.Run format = Cli.run("import", "--format", "tfhub", "--in", fixture("G.pth").toString(),
                "--out", ckpt.toString());
        assertEquals(2, format.code());
        assertTrue(format.err().contains("biggan-pytorch"), format.err());
    }

    static Path deepFixture(String name) throws Exception {
        return Path.of(ImportCommandTest.class.getResource("/fixtures/pretrained-biggan-deep/" + name).toURI());
    }

    @Test
    void anImportedBigGanDeepSamplesTheReferenceImagesWithTheTruncationChoosingItsStatistics() throws Exception {
        Path ckpt = dir.resolve("deep.b4j");
        Cli.Run r = Cli.run("import", "--format", "hf-biggan-deep", "--in", deepFixture("").toString(),
                "--out", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("channel_width 6"), r.out());
        for (String t : new String[] {"0.4", "0.425"}) {
            String tag = String.format(Locale.ROOT, "t%.3f", Double.parseDouble(t));
            Path npy = dir.resolve("deep-" + tag + ".npy");
            Cli.Run s = Cli.run("sample", ckpt.toString(), "--z", deepFixture("z_" + tag + ".npy").toString(),
                    "--classes", "0,207,409,999", "--truncation", t, "--npy", npy.toString(), "--threads", "2");
            assertEquals(0, s.code(), s.err());
            assertTrue(s.out().contains("tabulated for truncation " + t), s.out());
            Tensor ours = Npy.read(npy, ComputeDevice.CPU);
            Tensor theirs = Npy.read(deepFixture("out_" + tag + ".npy"), ComputeDevice.CPU);
            assertArrayEquals(Tensors.shape(theirs), Tensors.shape(ours));
            double error = ours.sub(theirs).abs().max().item_double();
            assertTrue(error <= 1e-4, "max abs difference to out_" + tag + ".npy " + error);
        }
        // Drawn latents: z = T * truncnorm(-2, 2); no truncation is their truncation 1.
        Path drawn = dir.resolve("drawn.npy");
        Cli.Run d = Cli.run("sample", ckpt.toString(), "--class", "tench", "-n", "2", "--npy", drawn.toString());
        assertEquals(0, d.code(), d.err());
        assertTrue(d.out().contains("tabulated for truncation 1.0"), d.out());
        assertArrayEquals(new long[] {2, 3, 128, 128}, Tensors.shape(Npy.read(drawn, ComputeDevice.CPU)));
        // Truncation outside the tabulated (0, 1]: one line, exit 2 (a user error).
        Cli.Run wide = Cli.run("sample", ckpt.toString(), "--z", deepFixture("z_t1.000.npy").toString(),
                "--classes", "0", "--truncation", "1.5", "--npy", dir.resolve("x.npy").toString());
        assertEquals(2, wide.code(), wide.err());
        assertTrue(wide.err().contains("(0, 1]"), wide.err());
        assertEquals(1, wide.err().strip().lines().count(), wide.err());
    }

    @Test
    void aBigGanDeepFolderWithoutConfigJsonIsOneLineAndWritesNothing() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.copy(deepFixture("pytorch_model.bin"), folder.resolve("pytorch_model.bin"));
        Path ckpt = dir.resolve("deep.b4j");
        Cli.Run r = Cli.run("import", "--format", "hf-biggan-deep", "--in", folder.toString(), "--out", ckpt.toString());
        assertEquals(2, r.code(), r.err()); // bad input
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("config.json"), r.err());
        assertFalse(Files.exists(ckpt));
    }
}
