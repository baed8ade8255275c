package org.biggan4j.train.listener;

import org.biggan4j.io.AtomicFiles;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * At the end of training, draws the loss curves ({@code losses.png}: D and G losses) and, for
 * Wasserstein objectives, the critic's distance estimate ({@code wasserstein.png}), the
 * curve WGAN users watch for progress, from {@code metrics.jsonl}.
 */
public final class LossPlotListener implements TrainingListener {

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        plot(session.runDir());
    }

    /** Draws the plots of a run folder; returns the files written. */
    public static List<Path> plot(Path runDir) {
        List<Map<String, Object>> records = MetricsLogger.read(runDir);
        if (records.isEmpty()) {
            return List.of();
        }
        Path losses = runDir.resolve("losses.png");
        write(chart("Losses", "loss", records, "d_loss", "g_loss"), losses);
        if (records.stream().anyMatch(r -> r.get("wasserstein") instanceof Number)) {
            Path w = runDir.resolve("wasserstein.png");
            write(chart("Wasserstein estimate E[D(x)] - E[D(G(z))]", "estimate", records, "wasserstein"), w);
            return List.of(losses, w);
        }
        return List.of(losses);
    }

    private static JFreeChart chart(String title, String yLabel, List<Map<String, Object>> records, String... keys) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String key : keys) {
            XYSeries s = new XYSeries(key);
            for (Map<String, Object> r : records) {
                if (r.get(key) instanceof Number v && r.get("iteration") instanceof Number it) {
                    s.add(it.doubleValue(), v.doubleValue());
                }
            }
            data.addSeries(s);
        }
        return ChartFactory.createXYLineChart(title, "iteration", yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
    }

    private static void write(JFreeChart chart, Path file) {
        System.setProperty("java.awt.headless", "true");
        try {
            AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 500));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file + ": " + e.getMessage(), e);
        }
    }
}
