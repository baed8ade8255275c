package org.biggan4j.run;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The progress bars of jobs and commands: on standard error (standard output stays for results), ASCII, with ETA. */
public final class Progress {

    private Progress() {
    }

    /** A bar over {@code max} units called {@code unit} (" img", " batches"), refreshed every second. */
    public static ProgressBar bar(String task, long max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(1000).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUnit(unit, 1).build();
    }
}
