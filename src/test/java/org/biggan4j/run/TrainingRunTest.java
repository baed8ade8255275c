package org.biggan4j.run;

import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.dist.WorldSpec;
import org.biggan4j.run.TrainingRun.MomentReset;
import org.biggan4j.run.TrainingRun.Request;
import org.biggan4j.train.TrainingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TrainingRun} called as a library: a new run, its refusal to be started again, resumption with a moment reset. */
class TrainingRunTest {

    @Test
    void aNewRunIsRefusedOverItsCheckpointsAndResumesWithAMomentReset(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        TrainingRun.Result first = TrainingRun.run(Request.start("dcgan", run, TinyRuns.tiny(2)));
        assertEquals(2, first.iteration());
        assertFalse(first.interrupted());
        assertNull(first.healthStop(), "no collapse in two iterations");
        assertNotNull(first.latestSheet(), "the sheet the run ends with");
        assertTrue(Files.isRegularFile(first.latestSheet()), first.latestSheet().toString());
        assertTrue(Files.isRegularFile(run.resolve("config.yaml")));
        assertEquals(1, new CheckpointStore(run, 1, "").list().size());

        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.run(Request.start("dcgan", run, TinyRuns.tiny(2))));
        assertTrue(again.getMessage().contains("already holds checkpoints"), again.getMessage());

        // The reset iteration is the one after the newest checkpoint (2), stored with the configuration.
        TrainingRun.Result resumed = TrainingRun.run(new Request(null, run, List.of("training.iterations=3"), true, null,
                MomentReset.G, WorldSpec.single()));
        assertEquals(3, resumed.iteration());
        String config = Files.readString(run.resolve("config.yaml"));
        assertTrue(config.contains("reset_moments_g_at: 3") && config.contains("reset_moments_d_at: 0"), config);

        try (TrainingRun.OpenRun open = TrainingRun.runKeepingSession(Request.resume(run,
                List.of("training.iterations=4")))) {
            TrainingSession session = open.session();
            assertEquals(4, session.iteration(), "the session is handed back open, at the last iteration");
            assertEquals(4, open.result().iteration());
            assertEquals(4, session.config().training().iterations());
        }
    }

    @Test
    void contradictoryRequestsAreRefusedBeforeAnyWork(@TempDir Path dir) throws Exception {
        WorldSpec alone = WorldSpec.single();
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new Request("dcgan", dir, List.of(), true, dir.resolve("init"), null, alone));
        assertTrue(both.getMessage().contains("--init starts a new run"), both.getMessage());
        IllegalArgumentException reset = assertThrows(IllegalArgumentException.class,
                () -> new Request("dcgan", dir, List.of(), false, null, MomentReset.D, alone));
        assertTrue(reset.getMessage().contains("applies to a resumed run"), reset.getMessage());
        IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.run(Request.resume(dir.resolve("empty"), List.of())));
        assertTrue(nothing.getMessage().contains("Nothing to resume"), nothing.getMessage());
        IllegalArgumentException noPreset = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.run(Request.start(null, dir.resolve("new"), List.of())));
        assertTrue(noPreset.getMessage().contains("--preset is required"), noPreset.getMessage());

        IllegalArgumentException uneven = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.checkLaunch(Request.start("dcgan", dir.resolve("x"), TinyRuns.tiny(2)), 3));
        assertTrue(uneven.getMessage().contains("training.batch_size=8") && uneven.getMessage().contains("3 processes"),
                uneven.getMessage());
        assertEquals(8, TrainingRun.checkLaunch(Request.start("dcgan", dir.resolve("x"), TinyRuns.tiny(2)), 4)
                .training().batchSize());
        IllegalArgumentException rollback = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.checkLaunch(Request.start("dcgan", dir.resolve("x"),
                        TinyRuns.tiny(2, "health.on_collapse=rollback")), 2));
        assertTrue(rollback.getMessage().contains("rollback is not supported"), rollback.getMessage());
        assertFalse(Files.exists(dir.resolve("x")), "checks write nothing");
    }

    /** The first differing key between two ranks' configurations, nested keys spelt with dots. */
    @Test
    void firstDifferenceNamesTheNestedKey() throws Exception {
        assertEquals("training.iterations (3 here, 2 on rank 0)", ReplicaJoin.firstDifference(
                "{\"seed\":0,\"training\":{\"iterations\":3}}", "{\"seed\":0,\"training\":{\"iterations\":2}}"));
        assertEquals("a ([1,2] here, [1,3] on rank 0)", ReplicaJoin.firstDifference("{\"a\":[1,2]}",
                "{\"a\":[1,3]}"));
        assertEquals("an unknown key", ReplicaJoin.firstDifference("{\"a\":[1,2]}", "{\"a\":[1,2]}"));
    }
}
