package org.biggan4j.cli;

import org.biggan4j.run.TrainingRun;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.optim.Optimizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --resume --set} and {@code --reset-moments} reach the optimisers. */
class TrainInterventionsTest {

    @Test
    void resumeWithANewLearningRateAndBetasUsesThem(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Cli.Run first = Cli.run("train", "--preset", "dcgan", "--out", run.toString(), "--set", "model.ch=4",
                "--set", "training.batch_size=8", "--set", "training.iterations=2", "--set", "output.checkpoint_every=2",
                "--set", "output.sample_every=0", "--set", "output.sample_rows=1", "--set", "output.sample_columns=1");
        assertEquals(0, first.code(), first.err());

        TrainingRun.OpenRun resumed = TrainingRun.runKeepingSession(TrainingRun.Request.resume(run, List.of(
                "training.iterations=3", "optimizer.generator.lr=1e-3", "optimizer.discriminator.beta2=0.9")));
        try (TrainingSession s = resumed.session()) {
            assertEquals(3, s.iteration());
            assertEquals(1e-3, s.step().generatorOptimizer().learningRate(), 1e-15);
            assertEquals(2e-4, s.step().discriminatorOptimizer().learningRate(), 1e-15);
            assertArrayEquals(new double[] {0.5, 0.9}, Optimizers.adamBetas(s.step().discriminatorOptimizer()), 1e-15);
        }

        Cli.Run reset = Cli.run("train", "--out", run.toString(), "--resume", "--reset-moments", "g",
                "--set", "training.iterations=4");
        assertEquals(0, reset.code(), reset.err());
        String config = Files.readString(run.resolve("config.yaml"));
        assertTrue(config.contains("reset_moments_g_at: 4") && config.contains("reset_moments_d_at: 0"), config);

        Cli.Run notResumed = Cli.run("train", "--preset", "dcgan", "--out", dir.resolve("new").toString(),
                "--reset-moments", "both");
        assertEquals(2, notResumed.code());
        assertTrue(notResumed.err().contains("--resume"), notResumed.err());
        Cli.Run bad = Cli.run("train", "--out", run.toString(), "--resume", "--reset-moments", "x");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("g, d or both"), bad.err());
    }
}
