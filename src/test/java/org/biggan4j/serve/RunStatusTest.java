package org.biggan4j.serve;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The state rule of the runs page, case by case (see {@link RunStatus}). */
class RunStatusTest {

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static RunStatus judge(long last, long lastMetrics, long checkpoint, long target, long quietSeconds,
                                   boolean healthStop) {
        return RunStatus.judge(new RunStatus.Evidence(last, lastMetrics, checkpoint, target, 10, 0.5, 4,
                NOW.minusSeconds(quietSeconds), healthStop), NOW).status();
    }

    @Test
    void finishedTrainingStoppedFailed() {
        assertEquals(RunStatus.FINISHED, judge(900, 900, 900, 900, 5, false));
        assertEquals(RunStatus.FINISHED, judge(900, 890, 900, 900, 99999, false), "old but complete");
        assertEquals(RunStatus.TRAINING, judge(400, 400, 300, 900, 5, false));
        assertEquals(RunStatus.TRAINING, judge(0, 0, -1, 900, 100, false), "a fresh run writing config.yaml only");
        assertEquals(RunStatus.STOPPED, judge(437, 430, 437, 900, 3600, false), "a final checkpoint after the last record");
        assertEquals(RunStatus.STOPPED, judge(430, 430, 300, 900, 3600, true), "the collapse monitor stopped it");
        assertEquals(RunStatus.FAILED, judge(430, 430, 300, 900, 3600, false), "records past the newest checkpoint");
        assertEquals(RunStatus.FAILED, judge(0, 0, -1, 900, 3600, false), "died before anything was written");
    }

    @Test
    void theQuietWindowGrowsWithSlowRecordsAndEvaluations() {
        RunStatus.Evidence fast = new RunStatus.Evidence(1, 1, -1, 9, 10, 0.1, 0, NOW, false);
        assertEquals(RunStatus.MIN_QUIET, RunStatus.quietWindow(fast));
        // 5 x 50 iterations x 2 s + 2 x 100 s of evaluation = 700 s.
        RunStatus.Evidence slow = new RunStatus.Evidence(1, 1, -1, 9, 50, 2.0, 100, NOW, false);
        assertEquals(Duration.ofSeconds(700), RunStatus.quietWindow(slow));
        assertEquals(RunStatus.TRAINING, RunStatus.judge(new RunStatus.Evidence(1, 1, -1, 9, 50, 2.0, 100,
                NOW.minusSeconds(600), false), NOW).status());
        assertEquals(RunStatus.FAILED, RunStatus.judge(new RunStatus.Evidence(1, 1, -1, 9, 50, 2.0, 100,
                NOW.minusSeconds(800), false), NOW).status());
    }
}
