package org.biggan4j.train;

import org.biggan4j.augment.Augmentation;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.regularize.PenaltyContext;
import org.biggan4j.regularize.Regularizer;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.train.listener.CheckpointListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step with augmentation (issue 23): ADA's p and DiffAugment's draws survive a stop and resume
 * bit-exactly, ADA at p = 0 trains exactly as no augmentation, and D's penalties see the augmented
 * reals D saw.
 */
class AugmentedTrainingTest {

    private static TrainConfig config(long iterations, String... augment) {
        List<String> overrides = new ArrayList<>(List.of("training.iterations=" + iterations, "training.batch_size=8",
                "training.d_steps=2", "output.checkpoint_every=100", "output.log_every=1", "output.keep_last=10",
                "seed=11"));
        overrides.addAll(List.of(augment));
        return ConfigLoader.load("dcgan", overrides);
    }

    /** A tiny session whose step augments as {@code config} says (what SessionFactory does). */
    private static TrainingSession session(TrainConfig config, Path dir, Regularizer... regularizers) {
        TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge(), regularizers);
        s.step().augmentWith(Augmentation.of(config.augment(), config.training().imagesPerIteration()));
        return s;
    }

    @Test
    void adaAndDiffAugmentResumeBitExactlyWithTheirP(@TempDir Path dir) {
        // p moves by 8 x 2 / 64 = 0.25 every second iteration, so it changes within 12 iterations.
        TrainConfig config = config(12, "augment.policy=color,translation,cutout", "augment.ada.enabled=true",
                "augment.ada.p=0.5", "augment.ada.speed_images=64", "augment.ada.interval=2");
        List<Double> straightP = new ArrayList<>();
        try (TrainingSession straight = session(config, dir.resolve("straight"))) {
            new TrainingLoop(straight, List.of(new TrainingListener() {
                @Override
                public void onIteration(TrainingSession s, StepMetrics m) {
                    straightP.add(m.get(Augmentation.P));
                }
            }), new StopSignal()).run();
            assertTrue(straightP.stream().distinct().count() > 1, "p moved during the run: " + straightP);

            Path run = dir.resolve("resumed");
            StopSignal stop = new StopSignal();
            try (TrainingSession first = session(config, run)) {
                TrainingListener stopAt5 = new TrainingListener() {
                    @Override
                    public void onIteration(TrainingSession s, StepMetrics m) {
                        if (m.iteration() == 5) {
                            stop.request();   // in the middle of an interval of 2
                        }
                    }
                };
                new TrainingLoop(first, List.of(new MetricsLogger(), stopAt5, new CheckpointListener()), stop).run();
            }
            try (TrainingSession second = session(config, run)) {
                second.restore(second.checkpoints().latest().orElseThrow());
                assertEquals(5, second.iteration());
                assertEquals(straightP.get(5), second.step().augmentation().ada().p(), "p restored as it stood");
                new TrainingLoop(second, List.of(new MetricsLogger()), new StopSignal()).run();
                assertEquals(straight.step().augmentation().ada().p(), second.step().augmentation().ada().p());
                TrainingSessionTest.assertSameState(straight, second);
            }
            List<Double> logged = new ArrayList<>();
            for (Map<String, Object> r : MetricsLogger.read(run)) {
                logged.add(((Number) r.get(Augmentation.P)).doubleValue());
            }
            assertEquals(straightP, logged, "metrics.jsonl holds p of every iteration across the resume");
        }
    }

    @Test
    void adaAtPZeroTrainsExactlyAsNoAugmentation(@TempDir Path dir) {
        TrainConfig plain = config(4);
        TrainConfig fixedZero = config(4, "augment.ada.enabled=true", "augment.ada.target=0");
        try (TrainingSession a = session(plain, dir.resolve("a"));
             TrainingSession b = session(fixedZero, dir.resolve("b"))) {
            assertNull(a.step().augmentation(), "no augment section: nothing in the step");
            new TrainingLoop(a, List.of(), new StopSignal()).run();
            new TrainingLoop(b, List.of(), new StopSignal()).run();
            TrainingSessionTest.assertSameState(a, b);
        }
    }

    /** Records the real images each D penalty is given. */
    private static final class Recorder implements Regularizer {
        final List<Tensor> reals = new ArrayList<>();

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public Map<String, Tensor> discriminatorPenalty(PenaltyContext c) {
            reals.add(NativeMemory.keep(c.realImages().clone()));
            return Map.of();
        }
    }

    @Test
    void penaltiesSeeTheAugmentedRealsDSaw(@TempDir Path dir) {
        Recorder plain = new Recorder();
        Recorder augmented = new Recorder();
        try (TrainingSession a = session(config(1), dir.resolve("a"), plain);
             TrainingSession b = session(config(1, "augment.ada.enabled=true", "augment.ada.p=1",
                     "augment.ada.target=0"), dir.resolve("b"), augmented)) {
            new TrainingLoop(a, List.of(), new StopSignal()).run();
            new TrainingLoop(b, List.of(), new StopSignal()).run();
        }
        assertEquals(2, plain.reals.size());
        // The same data order in both runs: the plain run's reals are the data, the other's differ.
        assertFalse(torch.allclose(plain.reals.get(0), augmented.reals.get(0), 1e-4, 1e-4, false),
                "R1/GP get the augmented batch");
    }
}
