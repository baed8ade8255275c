package org.biggan4j.train;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.optim.Optimizers;
import org.biggan4j.train.optim.ParameterOptimizer;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interventions section on the tiny GAN: freezing, learning-rate and beta changes and
 * moment resets reach the optimisers. The dcgan preset's optimisers: Adam lr 2e-4, betas
 * (0.5, 0.999), eps 1e-8.
 */
class InterventionsTest {

    private static TrainConfig config(String... interventions) {
        List<String> overrides = new ArrayList<>(List.of("training.iterations=6", "training.batch_size=8",
                "training.d_steps=1", "output.checkpoint_every=100", "seed=11"));
        overrides.addAll(List.of(interventions));
        return ConfigLoader.load("dcgan", overrides);
    }

    private static TrainingSession session(TrainConfig config, Path dir) {
        return TinyGan.session(config, dir, new TinyGan.Hinge(), Interventions.of(config));
    }

    private static void run(TrainingSession s, long from, long to) {
        for (long it = from; it <= to; it++) {
            long i = it;
            NativeMemory.scoped(() -> s.step().run(i));
            s.advance(i);
        }
    }

    private static Map<String, Tensor> copy(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        var params = m.named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            out.put(params.get(i).key().getString(), params.get(i).value().detach().clone());
        }
        return out;
    }

    private static boolean same(Map<String, Tensor> before, Module m) {
        Map<String, Tensor> now = StateDict.of(m);
        return before.entrySet().stream().allMatch(e -> torch.equal(e.getValue(), now.get(e.getKey())));
    }

    @Test
    void aFrozenNetworkKeepsItsWeightsBitIdenticalWhileTheOtherTrains(@TempDir Path dir) {
        for (String frozen : List.of("g", "d")) {
            TrainConfig c = config("interventions.freeze_" + frozen + "_from=4");
            try (TrainingSession s = session(c, dir.resolve(frozen))) {
                run(s, 1, 3);
                Map<String, Tensor> g = copy(s.generator());
                Map<String, Tensor> d = copy(s.discriminator());
                run(s, 4, 6);
                boolean gSame = same(g, s.generator());
                boolean dSame = same(d, s.discriminator());
                assertEquals(frozen.equals("g"), gSame, "G frozen from iteration 4: " + frozen);
                assertEquals(frozen.equals("d"), dSame, "D frozen from iteration 4: " + frozen);
            }
        }
        // And before the freeze both trained: freezing from 4 left iterations 1-3 alone (checked
        // implicitly: the copies above differ from the initial weights).
        TrainConfig c = config("interventions.freeze_g_from=4");
        try (TrainingSession s = session(c, dir.resolve("early"))) {
            Map<String, Tensor> initial = copy(s.generator());
            run(s, 1, 3);
            assertTrue(!same(initial, s.generator()), "G trains before its freeze");
        }
    }

    @Test
    void learningRateAndBetasChangeFromTheirIteration(@TempDir Path dir) {
        TrainConfig c = config("interventions.change_at=3", "interventions.lr_g=1e-3",
                "interventions.betas_g=[0.0, 0.9]", "interventions.lr_d=5e-5");
        try (TrainingSession s = session(c, dir)) {
            run(s, 1, 2);
            assertSettings(s.step().generatorOptimizer(), 2e-4, 0.5, 0.999, "G before");
            assertSettings(s.step().discriminatorOptimizer(), 2e-4, 0.5, 0.999, "D before");
            run(s, 3, 3);
            assertSettings(s.step().generatorOptimizer(), 1e-3, 0.0, 0.9, "G after");
            assertSettings(s.step().discriminatorOptimizer(), 5e-5, 0.5, 0.999, "D after (betas unchanged)");
        }
    }

    private static void assertSettings(ParameterOptimizer o, double lr, double beta1, double beta2, String what) {
        assertEquals(lr, o.learningRate(), 1e-15, what + ": lr");
        assertArrayEquals(new double[] {beta1, beta2}, Optimizers.adamBetas(o), 1e-15, what + ": betas");
    }

    /**
     * The share of a network's parameter elements that moved by lr in one Adam step: all of
     * them (those with a gradient) for a fresh optimiser, whose first update is
     * lr * g / (|g| + eps); few for one with history.
     */
    private static double shareMovedByLr(Map<String, Tensor> before, Module m, double lr) {
        Map<String, Tensor> now = StateDict.of(m);
        long moved = 0;
        long total = 0;
        for (var e : before.entrySet()) {
            double[] delta = Tensors.toDoubles(now.get(e.getKey()).sub(e.getValue()).abs().to(torch.ScalarType.Double));
            for (double x : delta) {
                total++;
                if (Math.abs(x - lr) <= 2e-3 * lr) {
                    moved++;
                }
            }
        }
        return (double) moved / total;
    }

    @Test
    void resettingMomentsMakesTheNextUpdateAFreshAdamStep(@TempDir Path dir) {
        double lr = 2e-4;
        // Control: at iteration 4 Adam has history, and its updates are not all of size lr.
        try (TrainingSession s = session(config(), dir.resolve("control"))) {
            run(s, 1, 3);
            Map<String, Tensor> g = copy(s.generator());
            run(s, 4, 4);
            double share = shareMovedByLr(g, s.generator(), lr);
            assertTrue(share < 0.5, "with history only " + share + " of G's elements move by lr");
        }
        TrainConfig c = config("interventions.reset_moments_g_at=4", "interventions.reset_moments_d_at=4");
        try (TrainingSession s = session(c, dir.resolve("reset"))) {
            run(s, 1, 3);
            ParameterOptimizer oldG = s.step().generatorOptimizer();
            ParameterOptimizer oldD = s.step().discriminatorOptimizer();
            Map<String, Tensor> g = copy(s.generator());
            Map<String, Tensor> d = copy(s.discriminator());
            run(s, 4, 4);
            assertNotSame(oldG, s.step().generatorOptimizer());
            assertNotSame(oldD, s.step().discriminatorOptimizer());
            // Elements without gradient (dead ReLU units) do not move; every other moves by lr.
            double shareG = shareMovedByLr(g, s.generator(), lr);
            double shareD = shareMovedByLr(d, s.discriminator(), lr);
            assertTrue(shareG > 0.9, "after a reset " + shareG + " of G's elements move by lr");
            assertTrue(shareD > 0.9, "after a reset " + shareD + " of D's elements move by lr (one D step)");
            assertSettings(s.step().generatorOptimizer(), lr, 0.5, 0.999, "fresh G optimiser");
            // The new optimiser's state is what checkpoints now save.
            s.saveCheckpoint(Map.of());
            run(s, 5, 5);
        }
    }

    @Test
    void resumedSettingsComeFromTheConfigurationNotFromTheRestoredOptimiser(@TempDir Path dir) {
        Path run = dir.resolve("run");
        TrainConfig first = config();
        try (TrainingSession s = session(first, run)) {
            run(s, 1, 2);
            s.saveCheckpoint(Map.of());
        }
        // As `train --resume --set optimizer.generator.lr=1e-3 --set optimizer.generator.beta2=0.9` builds it.
        TrainConfig changed = ConfigLoader.withOverrides(first, List.of("optimizer.generator.lr=1e-3",
                "optimizer.generator.beta2=0.9", "optimizer.discriminator.beta1=0.0"));
        try (TrainingSession s = session(changed, run)) {
            s.restore(s.checkpoints().latest().orElseThrow());
            // The checkpoint stores moments and step counts only (plain tensors), never settings;
            // the step puts the configuration's in force before its updates.
            run(s, 3, 3);
            assertSettings(s.step().generatorOptimizer(), 1e-3, 0.5, 0.9, "G after resume");
            assertSettings(s.step().discriminatorOptimizer(), 2e-4, 0.0, 0.999, "D after resume");
        }
    }

    @Test
    void theSectionIsValidated() {
        for (String[] bad : new String[][] {
                {"interventions.lr_g=1e-3"},                       // no change_at
                {"interventions.change_at=5"},                     // nothing to change
                {"interventions.change_at=5", "interventions.betas_g=[0.5]"},
                {"interventions.change_at=5", "interventions.betas_d=[0.5, 1.0]"},
                {"interventions.freeze_g_from=-1"},
                {"interventions.change_at=5", "interventions.betas_g=[0.5, 0.9]", "optimizer.generator.kind=rmsprop"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(bad),
                    String.join(" ", bad));
            assertTrue(e.getMessage().contains("interventions."), e.getMessage());
        }
        TrainConfig defaults = config();
        assertEquals(TrainConfig.InterventionConfig.NONE, defaults.interventions(), "no intervention by default");
    }
}
