package org.biggan4j.sample;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.nn.Init;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StandingStatisticsTest {

    private static Generator smallGenerator(int classes) {
        Seeds.seedTorch(11);
        ModelSpec spec = new ModelSpec(Architecture.BIGGAN, 32, 4, classes, 16, 0, false, Set.of(), 3, true, true,
                Init.DEFAULT, 1e-4, 1e-4, false, true, false);
        return Models.generator(spec, ComputeDevice.CPU);
    }

    private static Map<String, Tensor> buffers(Generator g, String suffix) {
        Map<String, Tensor> all = StateDict.copyOf(g);
        all.keySet().removeIf(k -> !k.endsWith(suffix));
        return all;
    }

    private static boolean same(Map<String, Tensor> a, Map<String, Tensor> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> torch.equal(a.get(k), b.get(k)));
    }

    @Test
    void oneBatchGivesThatBatchsMomentsSoEvalOutputMatchesTrainingMode() {
        Generator g = smallGenerator(0);
        try (LatentSampler z = new LatentSampler(new LatentDistribution.Normal(), 16, 3, ComputeDevice.CPU)) {
            Tensor latents = z.sample(32);
            Tensor trainOut;
            g.train(true);
            try (NoGradGuard ng = new NoGradGuard()) {
                trainOut = g.forward(latents, null);
            }
            z.reset();
            StandingStatistics.accumulate(g, z, 1, 32, 5);
            assertFalse(g.is_training(), "left in eval mode");
            Tensor evalOut;
            try (NoGradGuard ng = new NoGradGuard()) {
                evalOut = g.forward(latents, null);
            }
            // Running variance is stored unbiased (n / (n - 1)), hence the small tolerance.
            assertTrue(torch.allclose(trainOut, evalOut, 0, 2e-2, false),
                    "max diff " + trainOut.sub(evalOut).abs().max().item_double());
        }
    }

    @Test
    void passResetsStatisticsLeavesSpectralVectorsAndIsReproducible() {
        Generator g = smallGenerator(10);
        Map<String, Tensor> u = buffers(g, "weight_u");
        try (LatentSampler z = new LatentSampler(new LatentDistribution.TruncatedNormal(0.5), 16, 3, ComputeDevice.CPU)) {
            StandingStatistics.accumulate(g, z, 4, 8, 5);
            Map<String, Tensor> first = buffers(g, "running_mean");
            assertTrue(same(u, buffers(g, "weight_u")), "spectral-norm vectors are untouched");
            z.reset();
            StandingStatistics.accumulate(g, z, 4, 8, 5);
            assertTrue(same(first, buffers(g, "running_mean")), "a second pass restarts instead of accumulating on");
            z.reset();
            StandingStatistics.accumulate(g, z, 2, 8, 5);
            assertFalse(same(first, buffers(g, "running_mean")), "fewer batches give other moments");
        }
    }

    @Test
    void duringPutsTheStoredStatisticsBackAndRestoresTheMode() {
        Generator g = smallGenerator(10);
        g.train(true);
        Map<String, Tensor> before = buffers(g, "running_var");
        boolean[] changedInside = new boolean[1];
        StandingStatistics.during(g, 3, 8, 5, ComputeDevice.CPU, () -> {
            changedInside[0] = !same(before, buffers(g, "running_var"));
            assertFalse(g.is_training(), "eval mode inside");
        });
        assertTrue(changedInside[0], "the work saw standing statistics");
        assertTrue(same(before, buffers(g, "running_var")), "stored statistics are back");
        assertTrue(g.is_training(), "training mode is back");
    }

    @Test
    void withStandingStatisticsOutputsDoNotDependOnTheSamplingBatch() {
        Generator g = smallGenerator(10);
        try (LatentSampler z = new LatentSampler(new LatentDistribution.TruncatedNormal(1.0), 16, 3, ComputeDevice.CPU)) {
            StandingStatistics.accumulate(g, z, 8, 64, 5);
            Tensor latents = z.sample(64);
            Tensor classes = torch.randint(10, new long[] {64},
                    new TensorOptions(torch.ScalarType.Long));
            try (NoGradGuard ng = new NoGradGuard()) {
                Tensor whole = g.forward(latents, classes);
                for (long i = 0; i < 64; i += 9) {
                    Tensor one = g.forward(latents.narrow(0, i, 1), classes.narrow(0, i, 1));
                    // Equal up to the float rounding of differently blocked kernels.
                    assertTrue(torch.allclose(whole.narrow(0, i, 1), one, 0, 1e-5, false), "sample " + i);
                }
            }
        }
    }

    @Test
    void rejectsEmptyPasses() {
        Generator g = smallGenerator(0);
        try (LatentSampler z = new LatentSampler(new LatentDistribution.Normal(), 16, 3, ComputeDevice.CPU)) {
            assertThrows(IllegalArgumentException.class, () -> StandingStatistics.accumulate(g, z, 0, 8, 1));
            assertThrows(IllegalArgumentException.class, () -> StandingStatistics.accumulate(g, z, 3, 1, 1));
        }
    }
}
