package org.biggan4j.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LeCam's anchors are per process, so a data-parallel launch with it is refused before any worker starts. */
class LeCamDistributedTest {

    @Test
    void aLaunchOfSeveralProcessesWithLeCamIsOneLine(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.checkLaunch(
                TrainingRun.Request.start("fmnist-small", dir, List.of("regularizers.lecam=0.1")), 2));
        assertTrue(e.getMessage().contains("regularizers.lecam") && e.getMessage().contains("one process"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        // Without LeCam the same launch is accepted.
        assertEquals(0.0, TrainingRun.checkLaunch(TrainingRun.Request.start("fmnist-small", dir, List.of()), 2)
                .regularizers().lecam());
    }
}
