package org.biggan4j.health;

import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingLoop;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.CheckpointListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collapse monitor on real, tiny BigGAN runs (fmnist-demo at ch 4, batch 8: ~0.1 s per
 * iteration). The unstable configuration: from iteration {@link #EVENT} on, G's learning rate is
 * 250 times the preset's (0.05 with Adam), which makes G's first-layer sigma_0 double within ten
 * iterations, as the paper describes before collapse.
 */
class CollapseMonitorTest {

    private static final long EVENT = 60;
    private static final double LR = 2e-4; // the preset's G learning rate

    private static TrainConfig config(long iterations, String onCollapse) {
        return ConfigLoader.load("fmnist-demo", List.of("model.ch=4", "training.batch_size=8", "threads=1",
                "training.iterations=" + iterations, "health.spectra_every=5", "health.warmup=30",
                "health.on_collapse=" + onCollapse, "output.checkpoint_every=10", "output.keep_last=1",
                "output.log_every=1"));
    }

    /** After iteration EVENT's checkpoint, G's learning rate jumps (once; not stored in that checkpoint). */
    private static TrainingListener instability() {
        return new TrainingListener() {
            boolean done;

            @Override
            public void onIteration(TrainingSession session, StepMetrics m) {
                if (m.iteration() == EVENT && !done) {
                    done = true;
                    session.reconfigure(ConfigLoader.withOverrides(session.config(),
                            List.of("optimizer.generator.lr=0.05")));
                }
            }
        };
    }

    private static List<TrainingListener> listeners(TrainConfig config, StopSignal stop, TrainingListener... extra) {
        List<TrainingListener> l = new ArrayList<>();
        l.add(new MetricsLogger());
        l.addAll(HealthListeners.of(config, stop).list());
        l.add(new CheckpointListener());
        l.addAll(List.of(extra));
        return l;
    }

    @Test
    void anUnstableRunIsDetectedSoonAfterTheEventAndStoppedKeepingTheHealthyCheckpoint(@TempDir Path dir) {
        TrainConfig config = config(200, "stop");
        StopSignal stop = new StopSignal();
        long last;
        try (TrainingSession s = SessionFactory.create(config, dir)) {
            last = new TrainingLoop(s, listeners(config, stop, instability()), stop).run();
        }
        List<Map<String, Object>> decisions = CollapseMonitor.read(dir);
        assertEquals(1, decisions.size(), decisions.toString());
        Map<String, Object> d = decisions.get(0);
        long detected = ((Number) d.get("iteration")).longValue();
        assertTrue(detected > EVENT && detected <= EVENT + 20, "detected at " + detected);
        assertEquals(detected, last, "training stops at the decision");
        assertEquals("stop", d.get("action"));
        assertTrue(d.get("summary").toString().contains("g_first_layer_sigma0_ratio"), d.toString());
        assertTrue(d.containsKey("thresholds") && d.containsKey("signals"));
        long healthy = ((Number) d.get("last_healthy_iteration")).longValue();
        assertTrue(healthy <= EVENT + 5, "last healthy " + healthy);
        // keep_last=1 would have deleted it: the pinned healthy checkpoint survives next to the final one.
        var kept = new CheckpointStore(dir, 1, "").list().stream().map(CheckpointStore::iterationOf).toList();
        assertTrue(kept.contains(EVENT), "kept " + kept);
        assertTrue(d.get("checkpoint").toString().endsWith(String.format("ckpt-%09d.b4j", EVENT)), d.toString());
    }

    @Test
    void aStableRunRaisesNoAlarm(@TempDir Path dir) {
        TrainConfig config = config(90, "stop");
        StopSignal stop = new StopSignal();
        try (TrainingSession s = SessionFactory.create(config, dir)) {
            assertEquals(90, new TrainingLoop(s, listeners(config, stop), stop).run());
        }
        assertTrue(CollapseMonitor.read(dir).isEmpty());
        assertEquals(90 / 5, SpectraTracker.read(dir).size());
    }

    @Test
    void rollbackResumesFromTheCheckpointBeforeTheEventWithTheChangedSetting(@TempDir Path dir) throws Exception {
        TrainConfig config = config(80, "rollback");
        StopSignal stop = new StopSignal();
        Path healthy = dir.resolve("checkpoints").resolve(String.format("ckpt-%09d.b4j", EVENT));
        long[] rolledBack = new long[2];
        boolean[] sameWeights = {false};
        TrainingListener probe = new TrainingListener() {
            @Override
            public void onRollback(TrainingSession session, long from, long to) {
                rolledBack[0] = from;
                rolledBack[1] = to;
                var stored = CheckpointFile.read(healthy, ComputeDevice.CPU).group("generator", "test");
                sameWeights[0] = StateDict.of(session.generator()).entrySet().stream()
                        .allMatch(e -> torch.equal(e.getValue(), stored.get(e.getKey())));
            }
        };
        try (TrainingSession s = SessionFactory.create(config, dir)) {
            assertEquals(80, new TrainingLoop(s, listeners(config, stop, probe, instability()), stop).run());
            assertEquals(LR * 0.5, s.config().optimizer().generator().lr(), 1e-12);
        }
        assertTrue(rolledBack[0] > EVENT && rolledBack[0] <= EVENT + 20, "rolled back at " + rolledBack[0]);
        assertEquals(EVENT, rolledBack[1], "to the checkpoint before the event");
        assertTrue(sameWeights[0], "G's weights after the roll-back are the checkpoint's");

        List<Map<String, Object>> log = CollapseMonitor.read(dir);
        assertEquals("rollback", log.get(0).get("action"));
        assertEquals(EVENT, ((Number) log.get(0).get("to_iteration")).longValue());
        assertEquals("rollback_applied", log.get(1).get("event"));
        assertEquals(2, log.size(), "one collapse, then healthy training: " + log);

        // The change persists: the newest checkpoint (what --resume reads) and config.yaml carry it.
        Path latest = new CheckpointStore(dir, 1, "").latest().orElseThrow();
        assertEquals(80, CheckpointStore.iterationOf(latest));
        assertEquals(LR * 0.5, CheckpointFile.manifest(latest).path("config").path("optimizer").path("generator")
                .path("lr").asDouble(), 1e-12);
        assertEquals(1, CheckpointFile.manifest(latest).path("state").path("health").path("rollbacks").asInt());
        assertTrue(Files.readString(dir.resolve("config.yaml")).contains("lr: " + LR * 0.5));
        // Metrics hold each iteration once, and the replayed ones ran with the new learning rate.
        List<Map<String, Object>> metrics = MetricsLogger.read(dir);
        assertEquals(80, metrics.size());
        for (int i = 0; i < metrics.size(); i++) {
            assertEquals(i + 1, ((Number) metrics.get(i).get("iteration")).intValue());
        }
        assertEquals(LR * 0.5, ((Number) metrics.get((int) EVENT).get("lr_g")).doubleValue(), 1e-12);
        assertFalse(Files.exists(dir.resolve("spectra.jsonl")) && SpectraTracker.read(dir).stream()
                .map(r -> r.get("iteration")).distinct().count() != SpectraTracker.read(dir).size());
    }
}
