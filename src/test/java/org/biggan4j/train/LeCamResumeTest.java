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

    @Test
    void resumeWithLeCamRestoresTheAnchorsAndContinuesBitExactly(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(10, 100, "stop");
        LeCamPenalty straightLecam = lecam();
        try (TrainingSession straight = TinyGan.session(config, dir.resolve("straight"), new TinyGan.Hinge(),
                straightLecam)) {
            new TrainingLoop(straight, List.of(), new StopSignal()).run();

            Path run = dir.resolve("resumed");
            StopSignal stop = new StopSignal();
            LeCamPenalty firstLecam = lecam();
            double[] anchorsAt5 = new double[2];
            try (TrainingSession first = TinyGan.session(config, run, new TinyGan.Hinge(), firstLecam)) {
                TrainingListener stopAt5 = new TrainingListener() {
                    @Override
                    public void onIteration(TrainingSession s, StepMetrics m) {
                        if (m.iteration() == 5) {
                            assertTrue(m.values().containsKey("d_penalty_lecam"), "the penalty is on by then");
                            anchorsAt5[0] = firstLecam.anchorReal();
                            anchorsAt5[1] = firstLecam.anchorFake();
                            stop.request();
                        }
                    }
                };
                assertEquals(5, new TrainingLoop(first, List.of(stopAt5, new CheckpointListener()), stop).run());
            }
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
            StopSignal stop = new StopSignal();
            try (TrainingSession first = TinyGan.session(config, run, new TinyGan.Hinge(), lecam())) {
                TrainingListener stopAt4 = new TrainingListener() {
                    @Override
                    public void onIteration(TrainingSession s, StepMetrics m) {
                        if (m.iteration() == 4) {
                            stop.request();
                        }
                    }
                };
                new TrainingLoop(first, List.of(stopAt4, new CheckpointListener()), stop).run();
            }
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
