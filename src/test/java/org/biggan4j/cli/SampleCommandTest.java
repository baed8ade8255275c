package org.biggan4j.cli;

import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleCommandTest {

    @TempDir
    static Path dir;
    private static Path run;



    /** A conditional BigGAN trained for two iterations on the embedded Fashion-MNIST. */
    @BeforeAll
    static void trainTinyRun() {
        run = dir.resolve("run");
        Cli.Run r = Cli.run("train", "--preset", "fmnist-demo", "--out", run.toString(), "--set", "model.ch=4", "--set",
                "training.batch_size=8", "--set", "training.iterations=2", "--set", "training.ema_start=1",
                "--set", "output.sample_every=0");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void writesSheetFilesAndArraysWithTheRequestedClasses() throws Exception {
        Path out = dir.resolve("pngs");
        Path npy = dir.resolve("samples.npy");
        Path labels = dir.resolve("labels.npy");
        Cli.Run r = Cli.run("sample", run.toString(), "--class", "sneaker", "--classes", "0", "-n", "5", "--out",
                out.toString(), "--npy", npy.toString(), "--labels-npy", labels.toString(), "--truncation", "0.5",
                "--batch", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("G_ema"), r.out());
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("sample-00000-t_shirt_top.png", "sample-00001-sneaker.png",
                    "sample-00002-t_shirt_top.png", "sample-00003-sneaker.png", "sample-00004-t_shirt_top.png"), names);
        }
        Tensor images = Npy.read(npy, ComputeDevice.CPU);
        assertArrayEquals(new long[] {5, 1, 32, 32}, Tensors.shape(images));
        assertTrue(images.abs().max().item_double() <= 1.0, "tanh output range");
        assertArrayEquals(new long[] {0, 7, 0, 7, 0}, Tensors.toLongs(Npy.read(labels, ComputeDevice.CPU)));

        Path sheet = dir.resolve("sheet.png");
        Cli.Run s = Cli.run("sample", run.toString(), "--sheet", sheet.toString(), "--columns", "3", "--standing-stats", "2");
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.size(sheet) > 0);
        assertTrue(s.out().contains("standing statistics over 2 batches"), s.out());
    }

    @Test
    void exactLatentsFromAFileGiveTheSameImagesAsTheSameSeed() throws Exception {
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        Path z = dir.resolve("z.npy");
        Npy.write(z, torch.randn(new long[] {3, 64}));
        assertEquals(0, Cli.run("sample", run.toString(), "--z", z.toString(), "--classes", "1", "--npy", a.toString()).code());
        assertEquals(0, Cli.run("sample", run.toString(), "--z", z.toString(), "--classes", "1", "--npy", b.toString(),
                "--batch", "1").code());
        // Kernels block differently for batch 1 and 3, so allow float rounding.
        Tensor first = Npy.read(a, ComputeDevice.CPU);
        Tensor second = Npy.read(b, ComputeDevice.CPU);
        assertTrue(torch.allclose(first, second, 0, 1e-5, false),
                "eval-mode outputs do not depend on the batch they are computed in: max difference "
                        + first.sub(second).abs().max().item_double());
    }

    @Test
    void badRequestsFailWithOneLine() {
        Cli.Run noOutput = Cli.run("sample", run.toString());
        assertEquals(2, noOutput.code());
        assertTrue(noOutput.err().contains("Nothing to write"), noOutput.err());
        Cli.Run badClass = Cli.run("sample", run.toString(), "--class", "hat", "--npy", dir.resolve("x.npy").toString());
        assertEquals(2, badClass.code());
        assertTrue(badClass.err().contains("No class is called 'hat'"), badClass.err());
        assertFalse(Files.exists(dir.resolve("x.npy")), "nothing half-written");
        Cli.Run ambiguous = Cli.run("sample", run.toString(), "--class", "s", "--npy", dir.resolve("x.npy").toString());
        assertEquals(2, ambiguous.code());
        assertTrue(ambiguous.err().contains("matches several classes"), ambiguous.err());
        Cli.Run range = Cli.run("sample", run.toString(), "--classes", "12", "--npy", dir.resolve("x.npy").toString());
        assertEquals(2, range.code());
        assertTrue(range.err().contains("out of range"), range.err());
        Cli.Run missing = Cli.run("sample", dir.resolve("nowhere").toString(), "--npy", dir.resolve("x.npy").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("No such checkpoint"), missing.err());
    }
}
