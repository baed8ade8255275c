package org.biggan4j.serve;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What a run is doing, derived from its own files only (the trainer writes no status file for a
 * watcher, and a killed process could not update one). {@link #judge} is the rule:
 * <ol>
 *   <li><b>finished</b>: the last iteration seen (metrics record or checkpoint)
 *       reached {@code training.iterations} of the run's {@code config.yaml} (a resume that raises
 *       it rewrites config.yaml, so the run trains again);</li>
 *   <li><b>training</b>: otherwise, when a file of the run was written within the quiet window:
 *       {@code max(120 s, 5 x log_every x seconds per iteration + 2 x the last evaluation's
 *       seconds)}, five record intervals with room for an evaluation, a sheet and a checkpoint
 *       between two records;</li>
 *   <li><b>stopped</b>: quiet, and either the collapse monitor's {@code health.jsonl} says it
 *       stopped the run, or the newest checkpoint is at or after the last metrics record: the loop
 *       ended normally before its last iteration (SIGINT/SIGTERM), since it writes a final
 *       checkpoint only then. {@code biggan4j train --resume} continues it;</li>
 *   <li><b>failed</b>: quiet, with metrics records after the newest checkpoint (or no checkpoint):
 *       the process ended without its final save (a crash, {@code kill -9}, a non-finite loss that
 *       roll-backs did not cure). A crash right at a checkpoint iteration reads as stopped: the
 *       files cannot tell the two apart, and both resume the same way.</li>
 * </ol>
 */
public enum RunStatus {
    TRAINING, FINISHED, STOPPED, FAILED;

    /** The shortest quiet window: slow first iterations (warm-up, data preparation) must not read as a failure. */
    public static final Duration MIN_QUIET = Duration.ofSeconds(120);

    /**
     * What the run's files say.
     *
     * @param lastIteration         the newest iteration of the metrics records and checkpoints; 0 if none
     * @param lastMetricsIteration  the iteration of the last metrics record; 0 if none
     * @param newestCheckpoint      the iteration of the newest {@code ckpt-*.b4j}; -1 if none
     * @param targetIterations      {@code training.iterations} of config.yaml; 0 when unknown
     * @param logEvery              {@code output.log_every} of config.yaml; 1 when unknown
     * @param secondsPerIteration   the mean {@code seconds} of the last metrics records; 0 when unknown
     * @param evalSeconds           the last evaluation's {@code eval_seconds}; 0 when none
     * @param lastWrite             the newest modification time of the run's files
     * @param healthStop            whether health.jsonl records that the collapse monitor stopped the run
     */
    public record Evidence(long lastIteration, long lastMetricsIteration, long newestCheckpoint, long targetIterations,
                           int logEvery, double secondsPerIteration, double evalSeconds, Instant lastWrite,
                           boolean healthStop) {
    }

    /** A status with the sentence that explains it (shown on the runs page). */
    public record Verdict(RunStatus status, String reason) {
    }

    /** The quiet window of {@link #judge} for a run's evidence. */
    public static Duration quietWindow(Evidence e) {
        double seconds = 5.0 * Math.max(1, e.logEvery()) * Math.max(0, e.secondsPerIteration())
                + 2.0 * Math.max(0, e.evalSeconds());
        Duration window = Duration.ofMillis((long) Math.min(seconds * 1000, Long.MAX_VALUE / 2.0));
        return window.compareTo(MIN_QUIET) > 0 ? window : MIN_QUIET;
    }

    /** The rule of the class comment, at time {@code now}. */
    public static Verdict judge(Evidence e, Instant now) {
        if (e.targetIterations() > 0 && e.lastIteration() >= e.targetIterations()) {
            return new Verdict(FINISHED, "reached iteration " + e.lastIteration() + " of " + e.targetIterations());
        }
        Duration quiet = Duration.between(e.lastWrite(), now);
        Duration window = quietWindow(e);
        if (quiet.compareTo(window) <= 0) {
            return new Verdict(TRAINING, "last write " + Math.max(0, quiet.toSeconds()) + " s ago");
        }
        String silent = "no write for " + human(quiet) + " (window " + human(window) + ")";
        if (e.healthStop()) {
            return new Verdict(STOPPED, "the collapse monitor stopped it (health.jsonl); " + silent);
        }
        if (e.newestCheckpoint() >= 0 && e.newestCheckpoint() >= e.lastMetricsIteration() && e.lastIteration() > 0) {
            return new Verdict(STOPPED, "ended at iteration " + e.newestCheckpoint() + " with a final checkpoint; "
                    + "continue with biggan4j train --resume");
        }
        return new Verdict(FAILED, (e.newestCheckpoint() < 0 ? "no checkpoint" : "metrics went past the newest "
                + "checkpoint (" + e.newestCheckpoint() + ")") + " and " + silent
                + ": the process ended without its final save");
    }

    /** The lower-case name used in the API and on the pages. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }
}
