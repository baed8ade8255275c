package org.biggan4j.sample;

import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.data.ArrayImages;
import org.biggan4j.data.Batches;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.nn.Init;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleSheetsTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    /** A 4-class BigGAN at 32 px, with or without a shared class embedding. */
    private static TrainedGenerator trained(int sharedDim) {
        Seeds.seedTorch(5);
        ModelSpec spec = new ModelSpec(Architecture.BIGGAN, 32, 4, 4, 16, sharedDim, false, Set.of(), 1, true, true,
                Init.DEFAULT, 1e-4, 1e-4, false, true, false);
        Generator g = Models.generator(spec, CPU);
        g.eval();
        return new TrainedGenerator(g, ClassNames.forGenerator(List.of("a", "b", "c", "d"), 4), null, 0, true, Path.of("test.b4j"), Map.of());
    }

    private static Tensor generate(Generator g, Tensor z, long cls) {
        try (NoGradGuard ng = new NoGradGuard()) {
            return g.forward(z.unsqueeze(0), Tensors.fromLongs(new long[] {cls}, CPU, 1)).select(0, 0);
        }
    }

    @Test
    void latentInterpolationRowsRunBetweenTheirTwoLatentsWithTheRowsClass() {
        TrainedGenerator t = trained(0);
        NativeMemory.scoped(() -> {
            try (LatentSampler latents = new LatentSampler(new LatentDistribution.Normal(), 16, 7, CPU);
                 SampleSheets.Grid grid = SampleSheets.latentInterpolation(t, List.of(2, 0), 0, 5,
                         Interpolation.SPHERICAL, latents, 3, CPU)) {
                assertEquals(2, grid.rows());
                assertEquals(5, grid.columns());
                assertEquals(List.of("c", "a"), grid.rowLabels());
                latents.reset();
                Tensor ends = latents.sample(4);
                Tensor image = grid.images();
                assertTrue(torch.allclose(image.select(0, 0), generate(t.generator(), ends.select(0, 0), 2), 1e-5, 1e-5, false));
                assertTrue(torch.allclose(image.select(0, 4), generate(t.generator(), ends.select(0, 1), 2), 1e-5, 1e-5, false));
                assertTrue(torch.allclose(image.select(0, 5), generate(t.generator(), ends.select(0, 2), 0), 1e-5, 1e-5, false));
                Tensor middle = Interpolation.SPHERICAL.path(ends.select(0, 2), ends.select(0, 3), 5).select(0, 2);
                assertTrue(torch.allclose(image.select(0, 7), generate(t.generator(), middle, 0), 1e-5, 1e-5, false));
            }
        });
    }

    @Test
    void classInterpolationEndsAtTheTwoClassesWithOneLatent() {
        TrainedGenerator t = trained(8);
        NativeMemory.scoped(() -> {
            try (LatentSampler latents = new LatentSampler(new LatentDistribution.Normal(), 16, 8, CPU);
                 SampleSheets.Grid grid = SampleSheets.classInterpolation(t, List.of(new int[] {1, 3}, new int[] {3, 0}),
                         4, latents, 8, CPU)) {
                latents.reset();
                Tensor z = latents.sample(2);
                Tensor image = grid.images();
                assertEquals(List.of("b > d", "d > a"), grid.rowLabels());
                assertTrue(torch.allclose(image.select(0, 0), generate(t.generator(), z.select(0, 0), 1), 1e-5, 1e-5, false));
                assertTrue(torch.allclose(image.select(0, 3), generate(t.generator(), z.select(0, 0), 3), 1e-5, 1e-5, false));
                assertTrue(torch.allclose(image.select(0, 7), generate(t.generator(), z.select(0, 1), 0), 1e-5, 1e-5, false));
                assertFalse(torch.allclose(image.select(0, 1), image.select(0, 0), 1e-4, 1e-4, false),
                        "the mixture changes the image");
            }
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeMemory.scoped(() -> {
            try (LatentSampler latents = new LatentSampler(new LatentDistribution.Normal(), 16, 8, CPU)) {
                SampleSheets.classInterpolation(trained(0), List.<int[]>of(new int[] {0, 1}), 3, latents, 4, CPU);
            }
        }));
        assertTrue(e.getMessage().contains("shared"), e.getMessage());
    }

    @Test
    void truncationSweepColumnsAreOrdinarySamplesAtEachTruncationFromOneSeed() {
        TrainedGenerator t = trained(0);
        List<Double> truncations = List.of(0.0, 0.5);
        NativeMemory.scoped(() -> {
            List<Integer> done = new ArrayList<>();
            try (SampleSheets.Grid grid = SampleSheets.truncationSweep(t, List.of(1, 2, 3), 0, truncations, 42, 2, 0, 4,
                    CPU, done::add)) {
                assertEquals(List.of(1, 2), done);
                assertArrayEquals(new long[] {6, 1, 32, 32}, Tensors.shape(grid.images()));
                for (int c = 0; c < 2; c++) {
                    try (LatentSampler latents = new LatentSampler(LatentDistribution.forTruncation(truncations.get(c)),
                            16, Seeds.derive(42, "sample"), CPU)) {
                        Tensor z = latents.sample(3);
                        if (c == 1) {
                            assertTrue(z.abs().max().item_double() <= 0.5, "truncated latents");
                        }
                        for (int r = 0; r < 3; r++) {
                            assertTrue(torch.allclose(grid.images().select(0, r * 2 + c),
                                    generate(t.generator(), z.select(0, r), r + 1), 1e-5, 1e-5, false), r + "," + c);
                        }
                    }
                }
            }
        });
    }

    @Test
    void samplesThatAreTrainingImagesFindThemselvesFirst() {
        int n = 37;
        byte[] pixels = new byte[n * 32 * 32];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        int[] labels = new int[n];
        ArrayImages data = new ArrayImages(pixels, labels, 1, 32, List.of("x"), "random");
        NativeMemory.scoped(() -> {
            // Samples: copies of images 30, 4 and 17 of the data.
            Tensor all = Batches.images(pixels, n, 1, 32, CPU);
            Tensor samples = all.index_select(0, Tensors.fromLongs(new long[] {30, 4, 36}, CPU, 3));
            List<Integer> progress = new ArrayList<>();
            try (SampleSheets.Grid grid = SampleSheets.neighbours(samples, List.of("p", "q", "r"), data, 2, null, 16, 1,
                    CPU, progress::add)) {
                assertEquals(3, grid.rows());
                assertEquals(3, grid.columns(), "sample + 2 pixel neighbours");
                assertTrue(torch.equal(grid.images().select(0, 1), all.select(0, 30)), "nearest is the copy");
                assertTrue(torch.equal(grid.images().select(0, 4), all.select(0, 4)));
                assertTrue(grid.details().get(0).startsWith("row 0 (p): pixel neighbours #30 (0.00)"), grid.details().get(0));
                assertTrue(grid.details().get(2).contains("#36 (0.00)"), grid.details().get(2));
                assertEquals(n, (int) progress.get(progress.size() - 1), "all 37 images, though 16 does not divide 37");
            }
        });
    }
}
