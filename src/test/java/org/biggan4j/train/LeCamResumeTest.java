package org.biggan4j.train;

import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.regularize.LeCamPenalty;
import org.biggan4j.train.listener.CheckpointListener;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LeCam's anchors go into checkpoints and come back, so a resumed run with LeCam on is bit-exact. */
class LeCamResumeTest {

    private static LeCamPenalty lecam() {
        // The penalty acts from iteration 3 on, so both halves of the run use it.
        return new LeCamPenalty(0.5, 0.9, 2);
    }

    /**
     * The first half of a run, stopped after {@code last} as SIGINT would stop it (the checkpoint
     * listener writes on the way out); returns the anchors [a_R, a_F] then.
     */
    private static double[] trainUntil(TrainConfig config, Path run, long last) {
        StopSignal stop = new StopSignal();
        LeCamPenalty lecam = lecam();
        double[] anchors = new double[2];
        try (TrainingSession first = TinyGan.session(config, run, new TinyGan.Hinge(), lecam)) {
            TrainingListener stopper = new TrainingListener() {
                @Override
                public void onIteration(TrainingSession s, StepMetrics m) {
                    if (m.iteration() == last) {
                        assertTrue(m.values().containsKey("d_penalty_lecam"), "the penalty is on by then");
                        anchors[0] = lecam.anchorReal();
                        anchors[1] = lecam.anchorFake();
                        stop.request();
                    }
                }
            };
            assertEquals(last, new TrainingLoop(first, List.of(stopper, new CheckpointListener()), stop).run());
        }
        return anchors;
    }

    @Test
    void resumeWithLeCamRestoresTheAnchorsAndContinuesBitExactly(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(10, 100, "stop");
        LeCamPenalty straightLecam = lecam();
        try (TrainingSession straight = TinyGan.session(config, dir.resolve("straight"), new TinyGan.Hinge(),
                straightLecam)) {
            new TrainingLoop(straight, List.of(), new StopSignal()).run();

            Path run = dir.resolve("resumed");
            double[] anchorsAt5 = trainUntil(config, run, 5);
            LeCamPenalty secondLecam = lecam();
            try (TrainingSession second = TinyGan.session(config, run, new TinyGan.Hinge(), secondLecam)) {
                Path latest = second.checkpoints().latest().orElseThrow();
                assertEquals(5, CheckpointFile.header(latest).iteration());
                second.restore(latest);
                assertEquals(Double.doubleToLongBits(anchorsAt5[0]), Double.doubleToLongBits(secondLecam.anchorReal()));
                assertEquals(Double.doubleToLongBits(anchorsAt5[1]), Double.doubleToLongBits(secondLecam.anchorFake()));
                new TrainingLoop(second, List.of(), new StopSignal()).run();
                assertEquals(Double.doubleToLongBits(straightLecam.anchorReal()),
                        Double.doubleToLongBits(secondLecam.anchorReal()));
                assertEquals(Double.doubleToLongBits(straightLecam.anchorFake()),
                        Double.doubleToLongBits(secondLecam.anchorFake()));
                Map<String, Tensor> a = StateDict.of(straight.discriminator());
                Map<String, Tensor> b = StateDict.of(second.discriminator());
                for (String k : a.keySet()) {
                    assertTrue(torch.equal(a.get(k), b.get(k)), "D's " + k + " differs");
                }
                Map<String, Tensor> ga = StateDict.of(straight.generator());
                Map<String, Tensor> gb = StateDict.of(second.generator());
                for (String k : ga.keySet()) {
                    assertTrue(torch.equal(ga.get(k), gb.get(k)), "G's " + k + " differs");
                }
            }
        }
    }

    @Test
    void withoutItsAnchorsTheResumedRunWouldDiffer(@TempDir Path dir) {
        // The control: a resume that dropped the anchors (a fresh LeCam) does not reproduce the run,
        // so the test above can fail.
        TrainConfig config = TinyGan.config(8, 100, "stop");
        LeCamPenalty straightLecam = lecam();
        try (TrainingSession straight = TinyGan.session(config, dir.resolve("straight"), new TinyGan.Hinge(),
                straightLecam)) {
            new TrainingLoop(straight, List.of(), new StopSignal()).run();
            Path run = dir.resolve("resumed");
            trainUntil(config, run, 4);
            LeCamPenalty forgetful = lecam();
            try (TrainingSession second = TinyGan.session(config, run, new TinyGan.Hinge(), forgetful)) {
                second.restore(second.checkpoints().latest().orElseThrow());
                forgetful.restoreState(Map.of(), "dropped");
                new TrainingLoop(second, List.of(), new StopSignal()).run();
                assertNotEquals(straightLecam.anchorReal(), forgetful.anchorReal());
            }
        }
    }
}
