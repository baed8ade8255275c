package org.biggan4j.run;

import org.biggan4j.eval.QuickEvaluation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DemoRun}: trains, evaluates through the bundled classifier, and resumes a demo run already there. */
class DemoRunTest {

    /**
     * One demo call, on a folder that already holds two iterations of a demo run: it resumes to
     * the third instead of refusing the folder, then evaluates (one evaluation: the 10,000 test
     * images' features are most of this test's time).
     */
    @Test
    void resumesTheRunInItsFolderThenEvaluatesIt(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("demo");
        TrainingRun.run(TrainingRun.Request.start(DemoRun.PRESET, run, TinyRuns.tiny(2)));
        DemoRun.Result result = DemoRun.run(new DemoRun.Request(run, List.of("training.iterations=3"), 100));
        assertEquals(3, result.training().iteration(), "resumed from iteration 2");
        assertFalse(result.training().interrupted());
        assertNotNull(result.training().latestSheet());
        QuickEvaluation.Result scores = result.evaluation();
        assertNotNull(scores, "evaluated after an uninterrupted run");
        assertEquals(100, scores.samples());
        assertTrue(scores.realImages() >= 1000, "against the test split: " + scores.realImages());
        assertTrue(scores.fid() > 0 && Double.isFinite(scores.fid()), "FID " + scores.fid());
        assertTrue(scores.classAccuracy() >= 0 && scores.classAccuracy() <= 1, "accuracy " + scores.classAccuracy());
        assertTrue(result.evaluationSeconds() > 0);
        assertTrue(Files.readString(run.resolve("config.yaml")).contains("latent_dim: 64"), "the fmnist-demo preset");

        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> new DemoRun.Request(run, List.of(), 99));
        assertTrue(few.getMessage().contains("--eval-samples must be at least 100"), few.getMessage());
    }
}
