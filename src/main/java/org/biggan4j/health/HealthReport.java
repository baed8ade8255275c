package org.biggan4j.health;

import org.biggan4j.augment.Augmentation;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.io.JsonLines;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The health page of a run ({@code biggan4j health RUN}): {@code RUN/health/index.html} with
 * PNGs of the losses, G's and D's sigma_0 (G's first layer highlighted), sigma_0..2 per weight,
 * the collapse detector's decisions (as vertical lines on every chart and as a table) and the
 * sample sheets, all on one iteration axis. Reads only files (metrics.jsonl, spectra.jsonl,
 * health.jsonl, samples/), so it works on a finished run and on one still training.
 */
public final class HealthReport {

    private static final Pattern SHEET = Pattern.compile("iter-(\\d+)\\.png");
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;
    /** Keys of the periodic evaluation's figures in metrics.jsonl (see EvaluationListener). */
    private static final String FID = "fid";
    private static final String CLASS_ACCURACY = "class_accuracy";

    /** What was written. */
    public record Result(Path page, List<Path> images, int decisions, long lastIteration) {
    }

    private HealthReport() {
    }

    /** The page's folder for a run. */
    public static Path directory(Path runDir) {
        return runDir.resolve("health");
    }

    /**
     * Writes the page and its images.
     *
     * @throws IllegalArgumentException when {@code runDir} is not a run folder
     */
    public static Result write(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new IllegalArgumentException("Run folder " + runDir + " does not exist: give the --out folder of a "
                    + "`biggan4j train` run.");
        }
        if (!Files.isRegularFile(runDir.resolve("config.yaml")) && !Files.isRegularFile(runDir.resolve("metrics.jsonl"))
                && !Files.isDirectory(runDir.resolve("checkpoints"))) {
            throw new IllegalArgumentException(runDir + " is not a biggan4j run folder (it has no config.yaml, "
                    + "metrics.jsonl or checkpoints/): give the --out folder of a `biggan4j train` run.");
        }
        System.setProperty("java.awt.headless", "true");
        List<Map<String, Object>> metrics = JsonLines.read(runDir.resolve("metrics.jsonl"));
        List<Map<String, Object>> spectra = SpectraTracker.read(runDir);
        List<Map<String, Object>> decisions = CollapseMonitor.read(runDir);
        Map<Long, Path> sheets = sheets(runDir);
        long last = 0;
        for (List<Map<String, Object>> records : List.of(metrics, spectra, decisions)) {
            for (Map<String, Object> r : records) {
                last = Math.max(last, iteration(r));
            }
        }
        for (long it : sheets.keySet()) {
            last = Math.max(last, it);
        }
        Path dir = directory(runDir);
        List<Path> images = new ArrayList<>();
        Map<String, List<double[]>> layers = layers(spectra);
        String first = CollapseDetector.firstLayer(layers.keySet().stream().filter(k -> k.startsWith("G."))
                .map(k -> k.substring(2)).toList());
        String firstKey = first.isEmpty() ? "" : "G." + first;
        try {
            Files.createDirectories(dir.resolve("layers"));
            if (!metrics.isEmpty()) {
                images.add(write(lossChart(metrics, decisions, last), dir.resolve("losses.png")));
            }
            if (hasQuality(metrics)) {
                images.add(write(qualityChart(metrics, decisions, last), dir.resolve("quality.png")));
            }
            if (hasAda(metrics)) {
                images.add(write(adaChart(metrics, decisions, last), dir.resolve("ada.png")));
            }
            if (!layers.isEmpty()) {
                images.add(write(sigmaChart("G", layers, firstKey, decisions, last), dir.resolve("spectra-g.png")));
                images.add(write(sigmaChart("D", layers, "", decisions, last), dir.resolve("spectra-d.png")));
                for (Map.Entry<String, List<double[]>> e : layers.entrySet()) {
                    images.add(write(layerChart(e.getKey(), e.getValue(), e.getKey().equals(firstKey), decisions, last),
                            dir.resolve("layers").resolve(fileName(e.getKey()))));
                }
            }
            Path page = dir.resolve("index.html");
            String html = html(runDir, metrics, layers, firstKey, decisions, sheets, last);
            AtomicFiles.writeBytes(page, html.getBytes(StandardCharsets.UTF_8));
            return new Result(page, images, (int) decisions.stream().filter(d -> "collapse".equals(d.get("event")))
                    .count(), last);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the health page in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long iteration(Map<String, Object> r) {
        return r.get("iteration") instanceof Number n ? n.longValue() : 0;
    }

    private static Map<Long, Path> sheets(Path runDir) {
        Map<Long, Path> out = new TreeMap<>();
        Path samples = runDir.resolve("samples");
        if (!Files.isDirectory(samples)) {
            return out;
        }
        try (Stream<Path> files = Files.list(samples)) {
            files.forEach(p -> {
                Matcher m = SHEET.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.put(Long.parseLong(m.group(1)), p);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + samples + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Layer name -> [iteration, sigma_0, sigma_1, sigma_2, frobenius] rows. */
    @SuppressWarnings("unchecked")
    private static Map<String, List<double[]>> layers(List<Map<String, Object>> spectra) {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        for (Map<String, Object> r : spectra) {
            if (!(r.get("layers") instanceof Map<?, ?> layers)) {
                continue;
            }
            long it = iteration(r);
            ((Map<String, Object>) layers).forEach((name, v) -> {
                if (v instanceof List<?> values && values.size() >= 4) {
                    double[] row = new double[5];
                    row[0] = it;
                    for (int i = 0; i < 4; i++) {
                        row[i + 1] = values.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
                    }
                    out.computeIfAbsent(name, k -> new ArrayList<>()).add(row);
                }
            });
        }
        return out;
    }

    private static JFreeChart lossChart(List<Map<String, Object>> metrics, List<Map<String, Object>> decisions,
                                        long last) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String key : List.of("d_loss", "g_loss")) {
            XYSeries s = new XYSeries(key);
            for (Map<String, Object> r : metrics) {
                if (r.get(key) instanceof Number v) {
                    s.add(iteration(r), v.doubleValue());
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Losses", "iteration", "loss", data,
                PlotOrientation.VERTICAL, true, false, false);
        decorate(chart, decisions, last);
        return chart;
    }

    private static boolean hasQuality(List<Map<String, Object>> metrics) {
        return metrics.stream().anyMatch(r -> r.get(FID) instanceof Number || r.get(CLASS_ACCURACY) instanceof Number);
    }

    /**
     * FID (left axis) and class accuracy in % (right axis) from the periodic evaluation
     * ({@code output.eval_every}): the sample-quality proxy whose sharp drop defines collapse.
     */
    private static JFreeChart qualityChart(List<Map<String, Object>> metrics, List<Map<String, Object>> decisions,
                                           long last) {
        XYSeries fid = new XYSeries("FID (left)");
        XYSeries accuracy = new XYSeries("class accuracy % (right)");
        for (Map<String, Object> r : metrics) {
            if (r.get(FID) instanceof Number v) {
                fid.add(iteration(r), v.doubleValue());
            }
            if (r.get(CLASS_ACCURACY) instanceof Number v) {
                accuracy.add(iteration(r), 100 * v.doubleValue());
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Sample quality (periodic evaluation)", "iteration", "FID",
                new XYSeriesCollection(fid), PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        // FID's scale depends on the feature network: show its changes, not its distance from 0.
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer left = new XYLineAndShapeRenderer(true, true);
        left.setSeriesPaint(0, new Color(0x1f77b4));
        plot.setRenderer(0, left);
        if (accuracy.getItemCount() > 0) {
            NumberAxis percent = new NumberAxis("class accuracy (%)");
            percent.setRange(0, 100);
            plot.setRangeAxis(1, percent);
            plot.setDataset(1, new XYSeriesCollection(accuracy));
            plot.mapDatasetToRangeAxis(1, 1);
            XYLineAndShapeRenderer right = new XYLineAndShapeRenderer(true, true);
            right.setSeriesPaint(0, new Color(0xff7f0e));
            plot.setRenderer(1, right);
        }
        decorate(chart, decisions, last);
        return chart;
    }

    private static boolean hasAda(List<Map<String, Object>> metrics) {
        return metrics.stream().anyMatch(r -> r.get(Augmentation.P) instanceof Number);
    }

    /**
     * ADA's augmentation probability p and the overfitting heuristic r_t = E[sign(D(x_real))] it
     * is steered by (Karras et al. 2020): p rises while r_t is above the target.
     */
    private static JFreeChart adaChart(List<Map<String, Object>> metrics, List<Map<String, Object>> decisions,
                                       long last) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String key : List.of(Augmentation.P, Augmentation.RT)) {
            XYSeries s = new XYSeries(key);
            for (Map<String, Object> r : metrics) {
                if (r.get(key) instanceof Number v) {
                    s.add(iteration(r), v.doubleValue());
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("ADA: augmentation probability p and r_t", "iteration",
                "p, r_t", data, PlotOrientation.VERTICAL, true, false, false);
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setRange(-1.05, 1.05);
        decorate(chart, decisions, last);
        return chart;
    }

    private static JFreeChart sigmaChart(String network, Map<String, List<double[]>> layers, String highlight,
                                         List<Map<String, Object>> decisions, long last) {
        XYSeriesCollection data = new XYSeriesCollection();
        int highlighted = -1;
        // The highlighted layer first, so that it is drawn (and listed) first.
        List<String> names = new ArrayList<>();
        if (layers.containsKey(highlight)) {
            names.add(highlight);
        }
        layers.keySet().stream().filter(k -> k.startsWith(network + ".") && !k.equals(highlight)).forEach(names::add);
        for (String name : names) {
            XYSeries s = new XYSeries(name.equals(highlight) ? name + " (first layer)" : name);
            for (double[] row : layers.get(name)) {
                if (row[1] > 0 && Double.isFinite(row[1])) {
                    s.add(row[0], row[1]);
                }
            }
            if (name.equals(highlight)) {
                highlighted = data.getSeriesCount();
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(network + ": sigma_0 of every weight", "iteration",
                "sigma_0", data, PlotOrientation.VERTICAL, data.getSeriesCount() <= 12, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRangeAxis(logAxis("sigma_0 (log)"));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            boolean hl = i == highlighted;
            renderer.setSeriesStroke(i, new BasicStroke(hl ? 3.5f : 1.0f));
            renderer.setSeriesPaint(i, hl ? Color.RED : Color.getHSBColor((i * 0.13f) % 1f, 0.5f, 0.75f));
        }
        plot.setRenderer(renderer);
        decorate(chart, decisions, last);
        return chart;
    }

    private static JFreeChart layerChart(String name, List<double[]> rows, boolean first,
                                         List<Map<String, Object>> decisions, long last) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int k = 0; k < 3; k++) {
            XYSeries s = new XYSeries("sigma_" + k);
            for (double[] row : rows) {
                if (Double.isFinite(row[k + 1])) {
                    s.add(row[0], row[k + 1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(name + (first ? " (G's first layer)" : ""), "iteration",
                "singular value", data, PlotOrientation.VERTICAL, true, false, false);
        decorate(chart, decisions, last);
        return chart;
    }

    private static LogAxis logAxis(String label) {
        LogAxis axis = new LogAxis(label);
        axis.setSmallestValue(1e-6);
        axis.setAutoRange(true);
        return axis;
    }

    /** The shared iteration axis and a vertical line per decision. */
    private static void decorate(JFreeChart chart, List<Map<String, Object>> decisions, long last) {
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setRange(0, Math.max(1, last));
        for (Map<String, Object> d : decisions) {
            if (!"collapse".equals(d.get("event"))) {
                continue;
            }
            ValueMarker marker = new ValueMarker(iteration(d));
            marker.setPaint(Color.RED);
            marker.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
            marker.setLabel(String.valueOf(d.getOrDefault("action", "")));
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(marker);
        }
    }

    private static Path write(JFreeChart chart, Path file) throws IOException {
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
        return file;
    }

    private static String fileName(String layer) {
        return layer.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
    }

    private static String html(Path runDir, List<Map<String, Object>> metrics, Map<String, List<double[]>> layers,
                               String firstKey, List<Map<String, Object>> decisions, Map<Long, Path> sheets,
                               long last) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Health of ")
                .append(esc(runDir.getFileName() == null ? runDir.toString() : runDir.getFileName().toString()))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1000px}"
                        + "img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                        + "padding:4px 8px;vertical-align:top}.collapse{background:#fdd}.grid img{width:440px}"
                        + "</style></head><body>\n");
        h.append("<h1>Training health</h1>\n<p>Run <code>").append(esc(runDir.toAbsolutePath().toString()))
                .append("</code>; last iteration seen ").append(last).append(" (").append(metrics.size())
                .append(" metric records, ").append(layers.isEmpty() ? 0 : layers.values().iterator().next().size())
                .append(" spectra records, ").append(decisions.stream().filter(d -> "collapse".equals(d.get("event")))
                        .count()).append(" collapse decisions). Written ").append(Instant.now())
                .append(". Every chart shares the iteration axis; dashed red lines are the detector's decisions. "
                        + "See \"Reading the health page\" in the README.</p>\n");
        if (!metrics.isEmpty()) {
            h.append("<h2>Losses</h2>\n<img src=\"losses.png\" alt=\"losses\">\n");
        }
        if (hasQuality(metrics)) {
            h.append("<h2>Sample quality</h2>\n<p>FID of G_ema's samples against a fixed set of training images and "
                    + "the class accuracy of the samples, from the evaluation every <code>output.eval_every</code> "
                    + "iterations (a cheap proxy: few samples, so compare within the run). A sharp drop of quality is "
                    + "what collapse means; the detector's quality signal watches it.</p>\n"
                    + "<img src=\"quality.png\" alt=\"sample quality\">\n");
        }
        if (hasAda(metrics)) {
            h.append("<h2>Augmentation (ADA)</h2>\n<p>The probability p with which ADA applies each of its operations "
                    + "to each image D sees, and r_t = E[sign(D(x_real))], the share of reals D scores positive "
                    + "(mapped to [-1, 1]): p rises while r_t is above <code>augment.ada.target</code> (D "
                    + "overfits) and falls below it. p near 1 means the data is too small for D even at full "
                    + "augmentation; a flat p at 0 means D did not overfit.</p>\n"
                    + "<img src=\"ada.png\" alt=\"ADA p and r_t\">\n");
        }
        if (!layers.isEmpty()) {
            h.append("<h2>Spectra</h2>\n<p>sigma_0 of every weight; G's first layer (<code>").append(esc(firstKey))
                    .append("</code>) in thick red: its explosion is the paper's clearest sign of collapse.</p>\n")
                    .append("<img src=\"spectra-g.png\" alt=\"G spectra\">\n<img src=\"spectra-d.png\" alt=\"D spectra\">\n");
        } else {
            h.append("<h2>Spectra</h2>\n<p>No spectra.jsonl: the run was trained with health.spectra_every=0.</p>\n");
        }
        h.append("<h2>Decisions</h2>\n");
        if (decisions.isEmpty()) {
            h.append("<p>None: the collapse detector raised no alarm (health.jsonl is absent or empty).</p>\n");
        } else {
            h.append("<table><tr><th>iteration</th><th>event</th><th>action</th><th>evidence</th>"
                    + "<th>checkpoint</th></tr>\n");
            for (Map<String, Object> d : decisions) {
                h.append("<tr class=\"").append("collapse".equals(d.get("event")) ? "collapse" : "").append("\"><td>")
                        .append(iteration(d)).append("</td><td>").append(esc(str(d.get("event")))).append("</td><td>")
                        .append(esc(str(d.get("action")))).append("</td><td>").append(esc(evidence(d)))
                        .append("</td><td>").append(esc(str(d.getOrDefault("checkpoint", d.get("to_iteration")))))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Timeline: sample sheets and decisions</h2>\n<table>\n");
        List<Object[]> rows = new ArrayList<>();
        sheets.forEach((it, p) -> rows.add(new Object[] {it, 1, p}));
        for (Map<String, Object> d : decisions) {
            if ("collapse".equals(d.get("event"))) {
                rows.add(new Object[] {iteration(d), 0, d});
            }
        }
        rows.sort((a, b) -> a[0].equals(b[0]) ? Integer.compare((int) a[1], (int) b[1])
                : Long.compare((long) a[0], (long) b[0]));
        for (Object[] row : rows) {
            if (row[2] instanceof Path p) {
                String rel = "../samples/" + p.getFileName();
                h.append("<tr><td>").append(row[0]).append("</td><td><a href=\"").append(rel).append("\"><img src=\"")
                        .append(rel).append("\" alt=\"samples at iteration ").append(row[0])
                        .append("\" style=\"width:320px\"></a></td></tr>\n");
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> d = (Map<String, Object>) row[2];
                h.append("<tr class=\"collapse\"><td>").append(row[0]).append("</td><td>collapse detected, action <b>")
                        .append(esc(str(d.get("action")))).append("</b>: ").append(esc(evidence(d)))
                        .append("</td></tr>\n");
            }
        }
        if (rows.isEmpty()) {
            h.append("<tr><td>no sample sheets yet</td></tr>\n");
        }
        h.append("</table>\n");
        if (!layers.isEmpty()) {
            h.append("<h2>sigma_0, sigma_1, sigma_2 of each weight</h2>\n<div class=\"grid\">\n");
            List<String> names = new ArrayList<>(layers.keySet());
            names.remove(firstKey);
            if (!firstKey.isEmpty() && layers.containsKey(firstKey)) {
                names.add(0, firstKey);
            }
            for (String name : names) {
                h.append("<img src=\"layers/").append(fileName(name)).append("\" alt=\"").append(esc(name))
                        .append("\">\n");
            }
            h.append("</div>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String evidence(Map<String, Object> d) {
        if (d.get("summary") != null) {
            return str(d.get("summary")) + (d.get("reason") != null ? " (" + d.get("reason") + ")" : "");
        }
        return d.get("change") != null ? "change " + d.get("change") : "";
    }

    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
