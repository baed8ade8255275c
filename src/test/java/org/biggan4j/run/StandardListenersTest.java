package org.biggan4j.run;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.CheckpointListener;
import org.biggan4j.train.listener.EvaluationListener;
import org.biggan4j.train.listener.LossPlotListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.biggan4j.train.listener.ProgressListener;
import org.biggan4j.train.listener.SampleSheetListener;
import org.biggan4j.train.listener.TensorBoardListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The standard listener preset: which listeners, in which order (the order is part of the contract). */
class StandardListenersTest {

    @Test
    void withoutEvaluationMetricsComeFirstThenHealthThenCheckpointsThenPlots() throws Exception {
        TrainConfig config = ConfigLoader.load("dcgan", List.of("health.spectra_every=10", "health.on_collapse=stop"));
        StandardListeners listeners = StandardListeners.of(config, new StopSignal(), null);
        List<TrainingListener> all = listeners.all();
        assertInstanceOf(MetricsLogger.class, all.get(0));
        assertInstanceOf(ProgressListener.class, all.get(1));
        assertSame(listeners.sheets(), all.get(2));
        List<TrainingListener> health = listeners.health().list();
        assertEquals(2, health.size(), "spectra and the collapse monitor");
        assertEquals(health, all.subList(3, 5), "health after the sheets");
        assertInstanceOf(CheckpointListener.class, all.get(5), "checkpoints after health");
        assertInstanceOf(LossPlotListener.class, all.get(6));
        assertEquals(7, all.size());
        assertThrows(UnsupportedOperationException.class, () -> all.add(new LossPlotListener()));

        assertEquals(7, all.size(), "output.tensorboard is off by default");
        TrainConfig tensorboard = ConfigLoader.load("dcgan", List.of("output.tensorboard=true"));
        List<TrainingListener> withTensorBoard = StandardListeners.of(tensorboard, new StopSignal(), null).all();
        assertInstanceOf(TensorBoardListener.class, withTensorBoard.get(withTensorBoard.size() - 1),
                "last: it writes what the others produce");

        TrainConfig quiet = ConfigLoader.load("dcgan", List.of("health.spectra_every=0", "health.on_collapse=off"));
        assertEquals(5, StandardListeners.of(quiet, new StopSignal(), null).all().size(), "no health listeners");

        StandardListeners none = StandardListeners.none();
        assertTrue(none.all().isEmpty());
        assertNull(none.sheets());
        assertNull(none.health());
    }

    /** The periodic evaluation runs first, so its figures reach the metrics and checkpoint of their iteration. */
    @Test
    void anEvaluationRunsBeforeEveryOtherListener(@TempDir Path dir) throws Exception {
        TrainConfig config = ConfigLoader.load("fmnist-demo", TinyRuns.tiny(2, "output.eval_every=2",
                "output.eval_samples=16"));
        try (TrainingSession session = SessionFactory.create(config, dir);
             EvaluationListener evaluation = EvaluationListener.open(session)) {
            StandardListeners listeners = StandardListeners.of(config, new StopSignal(), evaluation);
            assertSame(evaluation, listeners.all().get(0));
            assertInstanceOf(MetricsLogger.class, listeners.all().get(1));
            assertInstanceOf(SampleSheetListener.class, listeners.all().get(3));
            assertInstanceOf(LossPlotListener.class, listeners.all().get(listeners.all().size() - 1));
            assertFalse(listeners.all().subList(1, listeners.all().size()).contains(evaluation), "once");
        }
    }
}
