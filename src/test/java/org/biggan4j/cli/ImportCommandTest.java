package org.biggan4j.cli;

import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code biggan4j import --format biggan-pytorch} on the reference fixture, then {@code sample}
 * from the written checkpoint: the images must be the reference outputs.
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
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("'blocks.3.1.gamma'"), r.err());
        assertFalse(Files.exists(ckpt));

        Cli.Run format = Cli.run("import", "--format", "tfhub", "--in", fixture("G.pth").toString(),
                "--out", ckpt.toString());
        assertEquals(2, format.code());
        assertTrue(format.err().contains("biggan-pytorch"), format.err());
    }
}
