package org.biggan4j.train.listener;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** A console progress bar (on stderr) with speed, ETA and the latest losses. */
public final class ProgressListener implements TrainingListener {

    private ProgressBar bar;

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        bar = new ProgressBarBuilder().setTaskName("train")
                .setInitialMax(session.config().training().iterations())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .showSpeed().setUnit(" it", 1).setSpeedUnit(ChronoUnit.SECONDS)
                // A resumed run starts the bar at its checkpoint; the ETA uses this process's speed.
                .startsFrom(firstIteration - 1, Duration.ZERO)
                .build();
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics m) {
        bar.stepTo(m.iteration());
        double w = m.get("wasserstein");
        bar.setExtraMessage(String.format(Locale.ROOT, "D %.3f G %.3f%s", m.get("d_loss"), m.get("g_loss"),
                Double.isNaN(w) ? "" : String.format(Locale.ROOT, " W %.3f", w)));
    }

    @Override
    public void onRollback(TrainingSession session, long fromIteration, long toIteration) {
        bar.stepTo(toIteration);
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        if (bar != null) {
            bar.close();
        }
    }
}
