package org.biggan4j.bench;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.nn.FlopCounter;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainBenchmarkTest {

    private static TrainConfig tiny() {
        return ConfigLoader.load("fmnist-demo", List.of("model.ch=4", "training.batch_size=8", "training.iterations=50",
                "training.ema_start=0", "threads=1"));
    }

    /** FLOPs of one no-grad forward of G and of D on a batch of 8. */
    private static long[] forwardFlops(TrainConfig config, Path dir) {
        try (TrainingSession s = SessionFactory.create(config, dir)) {
            Generator g = s.generator();
            Discriminator d = s.discriminator();
            try (NoGradGuard ng = new NoGradGuard()) {
                var classes = Tensors.fromLongs(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, ComputeDevice.CPU, 8);
                FlopCounter.start();
                var images = g.forward(torch.randn(new long[] {8, g.latentDim()}), classes);
                long fg = FlopCounter.stop();
                FlopCounter.start();
                d.forward(images, classes);
                return new long[] {fg, FlopCounter.stop()};
            }
        }
    }

    @Test
    void timesIterationsAndCountsTheFlopsOfEveryForwardAndBackward(@TempDir Path dir) {
        TrainConfig config = tiny();
        List<Integer> progress = new ArrayList<>();
        TrainBenchmark.Result r = TrainBenchmark.run(config, dir.resolve("bench"), 1, 3, progress::add);
        assertEquals(List.of(1, 2, 3, 4, 5), progress);
        assertEquals(3, r.iterationSeconds().length);
        assertEquals(8, r.imagesPerIteration());            // batch 8 x accumulation 1
        assertEquals(8, r.discriminatorImagesPerIteration()); // x 1 D step
        assertTrue(r.secondsPerIteration() > 0);
        assertEquals(r.imagesPerIteration() / r.secondsPerIteration(), r.imagesPerSecond(), 1e-9);
        assertTrue(r.samples() > 0, "the training thread was sampled");
        assertEquals(1.0, r.javaShare() + r.libtorchShare() + r.waitingShare(), 1e-9);

        long[] f = forwardFlops(config, dir.resolve("count"));
        long fg = f[0];
        long fd = f[1];
        // D step: G without graph (F_G); D on real and on fake images with weight gradients and,
        // past its first layer, input gradients (each between 2 and 3 F_D).
        // G step: G likewise (between 2 and 3 F_G; z and the class need no gradient); D with
        // frozen weights, input gradients only (exactly 2 F_D).
        long lower = fg + 2 * 2 * fd + 2 * fg + 2 * fd;
        long upper = fg + 2 * 3 * fd + 3 * fg + 2 * fd;
        assertTrue(r.flopsPerIteration() > lower && r.flopsPerIteration() < upper,
                r.flopsPerIteration() + " not in (" + lower + ", " + upper + ")");
    }

    /** Images per iteration is the G update's batch (batch x accumulation); D's reads count the D steps too. */
    @Test
    void imagesPerIterationIsTheGeneratorBatchAndTheDiscriminatorsReadsAreApart() {
        var t = ConfigLoader.load("fmnist-demo", List.of("training.batch_size=4", "training.accumulation=2",
                "training.d_steps=3")).training();
        assertEquals(8, t.imagesPerIteration());
        assertEquals(24, t.discriminatorImagesPerIteration());
    }

    @Test
    void refusesRunsLongerThanTheConfiguredIterations() {
        assertThrows(IllegalArgumentException.class, () -> TrainBenchmark.check(tiny(), 40, 20));
    }
}
