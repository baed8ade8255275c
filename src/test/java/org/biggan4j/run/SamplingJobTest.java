package org.biggan4j.run;

import org.biggan4j.io.Npy;
import org.biggan4j.run.SamplingJob.Request;
import org.biggan4j.sample.Interpolation;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SamplingJob} called as a library on a two-iteration conditional BigGAN. */
class SamplingJobTest {

    @TempDir
    static Path dir;
    private static Path run;

    @BeforeAll
    static void train() throws Exception {
        run = TinyRuns.conditionalBigGan(dir.resolve("run"));
    }

    /** Plain samples into arrays: -n 6 of classes 3 and 5, truncation 0.5, no standing statistics. */
    private static Request arrays(Path npy, Path labels, long seed) {
        return new Request(run, true, null, null, npy, labels, 6, "3,5", List.of(), 0.5, 0, 64, null, 10, 4, null,
                seed);
    }

    /** A z interpolation with --to-seed, no standing statistics (so nothing else depends on the seed). */
    private static Request betweenSeeds(long from, long to) {
        return new Request(run, true, null, null, null, null, null, "3,5", List.of(), 0.5, 0, 64, null, 10, 50,
                new SamplingJob.InterpolationSheet(SamplingJob.Along.LATENT, 2, Interpolation.LINEAR, to), from);
    }

    /**
     * --to-seed: each row runs from its latent of one seed to its latent of the other, so swapping
     * the seeds swaps the end points exactly (in memory, through {@link SamplingJob#generate}).
     */
    @Test
    void aLatentInterpolationBetweenTwoSeedsRunsFromOneSeedsLatentToTheOthers() throws Exception {
        TrainedGenerator trained = TrainedGenerator.load(run, true, ComputeDevice.CPU);
        SamplingJob.Images forward = SamplingJob.generate(betweenSeeds(3, 9), trained, ComputeDevice.CPU, () -> false);
        SamplingJob.Images backward = SamplingJob.generate(betweenSeeds(9, 3), trained, ComputeDevice.CPU, () -> false);
        assertEquals(4, forward.images().size(), "rows for classes 3 and 5, two steps each");
        assertEquals(2, forward.columns());
        assertEquals(List.of("frame-00.png", "frame-01.png", "frame-02.png", "frame-03.png"), forward.fileNames());
        assertTrue(forward.summary().contains("to the latents of seed 9"), forward.summary());
        for (int row = 0; row < 2; row++) {
            assertArrayEquals(forward.images().get(2 * row).chw(), backward.images().get(2 * row + 1).chw());
            assertArrayEquals(forward.images().get(2 * row + 1).chw(), backward.images().get(2 * row).chw());
            assertFalse(Arrays.equals(forward.images().get(2 * row).chw(), forward.images().get(2 * row + 1).chw()));
        }
        assertThrows(CancellationException.class, () -> SamplingJob.generate(betweenSeeds(3, 9), trained,
                ComputeDevice.CPU, () -> true));
        assertThrows(IllegalArgumentException.class, () -> new SamplingJob.InterpolationSheet(SamplingJob.Along.CLASS,
                2, Interpolation.LINEAR, 9L));
    }

    @Test
    void samplesTheRequestedClassesReproduciblyPerSeed() throws Exception {
        Path a = dir.resolve("a.npy");
        Path labels = dir.resolve("labels.npy");
        SamplingJob.Result result = SamplingJob.run(arrays(a, labels, 1), ComputeDevice.CPU);
        assertEquals(6, result.images());
        assertEquals(2, result.iteration());
        assertEquals(List.of(a, labels), result.outputs());
        assertTrue(result.summary().startsWith("6 samples from G_ema of ") && result.summary().contains("truncation 0.5"),
                result.summary());
        assertTrue(result.details().isEmpty());
        Tensor images = Npy.read(a, ComputeDevice.CPU);
        assertArrayEquals(new long[] {6, 1, 32, 32}, Tensors.shape(images));
        assertTrue(images.abs().max().item_double() <= 1.0, "tanh output range");
        assertArrayEquals(new long[] {3, 5, 3, 5, 3, 5}, Tensors.toLongs(Npy.read(labels, ComputeDevice.CPU)));

        Path same = dir.resolve("same.npy");
        Path other = dir.resolve("other.npy");
        SamplingJob.run(arrays(same, null, 1), ComputeDevice.CPU);
        SamplingJob.run(arrays(other, null, 2), ComputeDevice.CPU);
        assertTrue(torch.equal(images, Npy.read(same, ComputeDevice.CPU)), "same seed, same images");
        assertFalse(torch.equal(images, Npy.read(other, ComputeDevice.CPU)), "another seed, other images");
    }

    @Test
    void aTruncationSweepIsOneColumnPerThreshold() throws Exception {
        Path sheet = dir.resolve("sweep.png");
        Request request = new Request(run, true, sheet, null, null, null, null, "0-1", List.of(), 0, 0, 64, null, 10, 4,
                new SamplingJob.TruncationSweep(List.of(0.0, 0.5, 1.0)), 0);
        SamplingJob.Result result = SamplingJob.run(request, ComputeDevice.CPU);
        assertEquals(2 * 3, result.images(), "rows = classes 0 and 1, columns = thresholds");
        assertTrue(result.summary().startsWith("A 2 x 3 sheet from G_ema"), result.summary());
        assertTrue(result.details().stream().anyMatch(l -> l.startsWith("column 2: truncation 0.5")), result.details()
                .toString());
        assertEquals(List.of(sheet), result.outputs());
        assertTrue(Files.size(sheet) > 0);
    }

    @Test
    void requestsThatCannotWorkAreRefused() {
        Path npy = dir.resolve("never.npy");
        IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class, () -> SamplingJob.run(
                new Request(run, true, null, null, null, null, null, null, List.of(), 0, -1, 64, null, 10, 50, null, 0),
                ComputeDevice.CPU));
        assertTrue(nothing.getMessage().startsWith("Nothing to write"), nothing.getMessage());
        IllegalArgumentException truncation = assertThrows(IllegalArgumentException.class, () -> new Request(run, true,
                null, null, npy, null, null, null, List.of(), Double.NaN, -1, 64, null, 10, 50, null, 0));
        assertTrue(truncation.getMessage().contains("--truncation"), truncation.getMessage());
        IllegalArgumentException modeWithFolder = assertThrows(IllegalArgumentException.class, () -> new Request(run,
                true, dir.resolve("s.png"), dir, null, null, null, null, List.of(), 0, -1, 64, null, 10, 50,
                new SamplingJob.TruncationSweep(List.of(0.5)), 0));
        assertTrue(modeWithFolder.getMessage().contains("write a sheet"), modeWithFolder.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SamplingJob.TruncationSweep(List.of(-1.0)));
        assertThrows(IllegalArgumentException.class, () -> new SamplingJob.NearestNeighbours(0, null));
        assertThrows(IllegalArgumentException.class,
                () -> new SamplingJob.InterpolationSheet(SamplingJob.Along.LATENT, 1, Interpolation.LINEAR));
        IllegalArgumentException classPath = assertThrows(IllegalArgumentException.class,
                () -> new SamplingJob.InterpolationSheet(SamplingJob.Along.CLASS, 4, Interpolation.SPHERICAL));
        assertTrue(classPath.getMessage().contains("mixes class embeddings linearly"), classPath.getMessage());
        assertFalse(Files.exists(npy));
    }
}
