package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.StoredStandingStatistics;
import org.biggan4j.io.Npy;
import org.biggan4j.sample.TrainedGenerator;
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
import java.util.Set;
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
                "--set", "output.sample_every=0", "--set", "output.eval_every=0");
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

    /** A copy of the run's checkpoint, for tests that rewrite it. */
    private static Path checkpointCopy(String name) throws Exception {
        Path latest;
        try (Stream<Path> files = Files.walk(run)) {
            latest = files.filter(p -> p.toString().endsWith(".b4j")).sorted().reduce((x, y) -> y).orElseThrow();
        }
        return Files.copy(latest, dir.resolve(name));
    }

    @Test
    void storedStandingStatisticsAreUsedPerTruncationAndMakeOutputsBatchIndependent() throws Exception {
        Path ckpt = checkpointCopy("standing.b4j");
        Cli.Run stats = Cli.run("standing-stats", ckpt.toString(), "--truncations", "0,0.5", "--batches", "3", "--batch",
                "8");
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().contains("truncations [0.0, 0.5]"), stats.out());
        var loaded = TrainedGenerator.load(ckpt, true, ComputeDevice.CPU);
        assertEquals(Set.of(0.0, 0.5), loaded.standing().keySet());
        // Recomputing one truncation replaces its set and keeps the other.
        assertEquals(0, Cli.run("standing-stats", ckpt.toString(), "--truncations", "0.5", "--batches", "2").code());
        var data = CheckpointFile.read(ckpt, ComputeDevice.CPU);
        List<StoredStandingStatistics.Entry> entries =
                StoredStandingStatistics.entries(data);
        assertEquals(2, entries.size());
        assertEquals(List.of(3, 2), entries.stream().map(StoredStandingStatistics.Entry::batches).toList());
        assertTrue(data.tensorGroups().containsKey("standing_generator_ema_t0.5"), data.tensorGroups().keySet().toString());
        assertTrue(data.tensorGroups().containsKey("generator"), "the weights are still there");

        Path one = dir.resolve("stored-1.npy");
        Path many = dir.resolve("stored-6.npy");
        Cli.Run a = Cli.run("sample", ckpt.toString(), "-n", "6", "--truncation", "0.5", "--batch", "1", "--npy",
                one.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("stored standing statistics"), a.out());
        assertEquals(0, Cli.run("sample", ckpt.toString(), "-n", "6", "--truncation", "0.5", "--batch", "6", "--npy",
                many.toString()).code());
        assertTrue(torch.allclose(Npy.read(one, ComputeDevice.CPU), Npy.read(many, ComputeDevice.CPU), 0, 1e-5, false));
        Cli.Run other = Cli.run("sample", ckpt.toString(), "-n", "2", "--truncation", "0.7", "--npy",
                dir.resolve("t07.npy").toString());
        assertTrue(other.out().contains("standing statistics over 16 batches"), "none stored at 0.7: " + other.out());
    }

    @Test
    void interpolationSweepAndNeighbourSheets() throws Exception {
        Path interp = dir.resolve("interp.png");
        Path interpNpy = dir.resolve("interp.npy");
        Cli.Run z = Cli.run("sample", run.toString(), "--interpolate", "z", "--classes", "2,5,9", "--steps", "4",
                "--path", "spherical", "--sheet", interp.toString(), "--npy", interpNpy.toString());
        assertEquals(0, z.code(), z.err());
        assertTrue(z.out().contains("A 3 x 4 sheet") && z.out().contains("z interpolation (spherical)"), z.out());
        assertArrayEquals(new long[] {12, 1, 32, 32}, Tensors.shape(Npy.read(interpNpy, ComputeDevice.CPU)));
        assertTrue(Files.size(interp) > 0);

        Path sweepNpy = dir.resolve("sweep.npy");
        Cli.Run sweep = Cli.run("sample", run.toString(), "--sweep", "0,1.0,0.25", "--classes", "0-1", "--sheet",
                dir.resolve("sweep.png").toString(), "--npy", sweepNpy.toString(), "--standing-stats", "0");
        assertEquals(0, sweep.code(), sweep.err());
        assertTrue(sweep.out().contains("column 3: truncation 0.25"), sweep.out());
        assertArrayEquals(new long[] {6, 1, 32, 32}, Tensors.shape(Npy.read(sweepNpy, ComputeDevice.CPU)));

        Path nnNpy = dir.resolve("nn.npy");
        Cli.Run nn = Cli.run("sample", run.toString(), "--neighbours", "2", "--classes", "7", "--sheet",
                dir.resolve("nn.png").toString(), "--npy", nnNpy.toString());
        assertEquals(0, nn.code(), nn.err());
        assertTrue(nn.out().contains("row 0 (Sneaker): pixel neighbours #") && nn.out().contains("feature neighbours #"),
                nn.out());
        assertArrayEquals(new long[] {5, 1, 32, 32}, Tensors.shape(Npy.read(nnNpy, ComputeDevice.CPU)),
                "sample, 2 pixel and 2 feature neighbours");

        Cli.Run classInterp = Cli.run("sample", run.toString(), "--interpolate", "class", "--sheet",
                dir.resolve("c.png").toString());
        assertEquals(2, classInterp.code());
        assertTrue(classInterp.err().contains("shared class embedding"), classInterp.err());
        Cli.Run both = Cli.run("sample", run.toString(), "--interpolate", "z", "--sweep", "0.5", "--sheet",
                dir.resolve("both.png").toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("Choose one of"), both.err());
        Cli.Run noSheet = Cli.run("sample", run.toString(), "--sweep", "0.5", "--npy", dir.resolve("s.npy").toString());
        assertEquals(2, noSheet.code());
        assertTrue(noSheet.err().contains("give --sheet FILE"), noSheet.err());
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
