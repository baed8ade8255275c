package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.eval.torchscript.TinyModules;
import org.biggan4j.health.CollapseMonitor;
import org.biggan4j.health.HealthReport;
import org.biggan4j.run.TrainingRun;
import org.biggan4j.run.TrainingRun.Request;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.EvaluationListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code output.eval_every}: the periodic evaluation of {@code biggan4j train} on tiny fmnist-demo
 * runs (ch 4, batch 8, 64 samples against 64 training images through the bundled classifier).
 */
class TrainEvaluationTest {

    private static List<String> tiny(int iterations, String... more) {
        List<String> s = new ArrayList<>(List.of("model.ch=4", "training.batch_size=8", "threads=1",
                "training.iterations=" + iterations, "output.eval_every=0", "output.eval_samples=64",
                "output.sample_every=0",
                "output.sample_rows=2", "output.sample_columns=2", "output.log_every=5"));
        s.addAll(List.of(more));
        return s;
    }

    private static Map<String, Tensor> weights(TrainingSession s) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        StateDict.of(s.generator()).forEach((k, v) -> all.put("G." + k, v));
        StateDict.of(s.discriminator()).forEach((k, v) -> all.put("D." + k, v));
        return all;
    }

    /**
     * Evaluating G itself (no EMA, so the evaluated generator is the trained one) every other
     * iteration changes nothing in training: same weights, BatchNorm statistics and D, bit for bit.
     */
    @Test
    void aRunWithEvaluationEndsWithTheSameWeightsAsOneWithout(@TempDir Path dir) throws Exception {
        List<String> base = tiny(6, "training.ema_decay=0");
        List<String> withEval = new ArrayList<>(base);
        withEval.add("output.eval_every=2");
        var off = TrainingRun.runKeepingSession(Request.start("fmnist-demo", dir.resolve("off"), base));
        var on = TrainingRun.runKeepingSession(Request.start("fmnist-demo", dir.resolve("on"), withEval));
        try (TrainingSession a = off.session(); TrainingSession b = on.session()) {
            Map<String, Tensor> wa = weights(a);
            Map<String, Tensor> wb = weights(b);
            assertEquals(wa.keySet(), wb.keySet());
            assertTrue(wa.keySet().stream().anyMatch(k -> k.endsWith("running_mean")), "BN statistics compared");
            for (String k : wa.keySet()) {
                assertTrue(torch.equal(wa.get(k), wb.get(k)), k + " differs with evaluation on");
            }
        }
        long evaluated = MetricsLogger.read(dir.resolve("on")).stream().filter(r -> r.get("fid") != null).count();
        assertEquals(3, evaluated, "evaluations at 2, 4, 6");
        assertTrue(MetricsLogger.read(dir.resolve("off")).stream().noneMatch(r -> r.containsKey("fid")));
    }

    /** One evaluation leaves G's mode and BatchNorm buffers as they were, with and without standing statistics. */
    @Test
    void anEvaluationRestoresModeAndBatchNormStatistics(@TempDir Path dir) throws Exception {
        var outcome = TrainingRun.runKeepingSession(Request.start("fmnist-demo", dir, tiny(2, "training.ema_decay=0")));
        try (TrainingSession s = outcome.session()) {
            s.reconfigure(ConfigLoader.withOverrides(s.config(), List.of("output.eval_every=1")));
            try (EvaluationListener evaluation = EvaluationListener.open(s)) {
                for (String standing : List.of("16", "0")) {
                    // evaluate() reads output.standing_stats from the session's configuration each time.
                    s.reconfigure(ConfigLoader.withOverrides(s.config(), List.of("output.standing_stats=" + standing)));
                    for (boolean training : new boolean[] {true, false}) {
                        s.generator().train(training);
                        Map<String, Tensor> before = StateDict.copyOf(s.generator());
                        double[] figures = evaluation.evaluate(s, 2);
                        assertTrue(figures[0] > 0 && Double.isFinite(figures[0]), "FID " + figures[0]);
                        assertTrue(figures[1] >= 0 && figures[1] <= 1, "accuracy " + figures[1]);
                        assertEquals(training, s.generator().is_training(),
                                "mode restored (standing " + standing + ")");
                        Map<String, Tensor> after = StateDict.of(s.generator());
                        for (String k : before.keySet()) {
                            assertTrue(torch.equal(before.get(k), after.get(k)), k + " changed (standing " + standing
                                    + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * The figures join metrics.jsonl (and the CSV's columns), every checkpoint, best.b4j (the
     * checkpoint of lowest FID with best_metric=fid), the collapse detector's quality signal, and
     * a chart of the health page.
     */
    @Test
    void figuresReachMetricsCheckpointsBestCheckpointMonitorAndHealthPage(@TempDir Path dir) throws Exception {
        Cli.Run run = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", dir.toString(),
                "--set", "output.eval_every=2", "--set", "output.checkpoint_every=2", "--set", "output.keep_last=1",
                "--set", "output.best_metric=fid", "--set", "training.ema_start=2", "--set", "training.ema_decay=0.5"));
        assertEquals(0, run.code(), run.err());
        List<Map<String, Object>> records = MetricsLogger.read(dir);
        Map<Long, Double> fid = new TreeMap<>();
        for (Map<String, Object> r : records) {
            if (r.get("fid") instanceof Number f) {
                long it = ((Number) r.get("iteration")).longValue();
                fid.put(it, f.doubleValue());
                assertTrue(r.get("d_loss") instanceof Number, "one record with the step's metrics " + r);
                double acc = ((Number) r.get("class_accuracy")).doubleValue();
                assertTrue(acc >= 0 && acc <= 1, r.toString());
                assertTrue(((Number) r.get("eval_seconds")).doubleValue() > 0, r.toString());
            }
        }
        assertEquals(List.of(2L, 4L, 6L), new ArrayList<>(fid.keySet()));
        assertTrue(fid.values().stream().allMatch(v -> v > 0 && Double.isFinite(v)), fid.toString());
        String header = Files.readAllLines(dir.resolve("metrics.csv")).get(0);
        assertTrue(header.contains("fid") && header.contains("class_accuracy"), header);
        assertTrue(Files.readAllLines(dir.resolve("metrics.csv")).stream().anyMatch(l -> l.startsWith("2,")),
                "iteration 2 is logged for its evaluation although log_every=5");

        CheckpointStore store = new CheckpointStore(dir, 1, "");
        JsonNode latest = CheckpointFile.manifest(store.latest().orElseThrow()).path("metrics");
        assertEquals(fid.get(6L), latest.path("fid").asDouble(), 1e-12);

        // best.b4j holds the checkpoint of the lowest FID (keep_last=1 deleted the others).
        Path best = dir.resolve("checkpoints").resolve("best.b4j");
        assertTrue(Files.isRegularFile(best));
        JsonNode bestManifest = CheckpointFile.manifest(best);
        long bestIteration = fid.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertEquals(fid.get(bestIteration), bestManifest.path("metrics").path("fid").asDouble(), 1e-12);
        assertEquals(bestIteration, bestManifest.path("iteration").asLong());

        // The collapse monitor (on_collapse=warn by default) observed both proxies at each evaluation.
        JsonNode quality = CheckpointFile.manifest(store.latest().orElseThrow()).path("state")
                .path(CollapseMonitor.STATE_KEY).path("detector").path("quality");
        assertEquals(3, quality.path("fid").path(2).asInt(), quality.toString());
        assertEquals(fid.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                quality.path("fid").path(0).asDouble(), 1e-12, "the detector's best FID");
        assertEquals(3, quality.path("class_accuracy").path(2).asInt(), quality.toString());

        HealthReport.Result page = HealthReport.write(dir);
        assertTrue(page.images().contains(HealthReport.directory(dir).resolve("quality.png")),
                page.images().toString());
        assertTrue(Files.readString(page.page()).contains("Sample quality"));
    }

    /**
     * A TorchScript network given by output.eval_features; without logits there is no class
     * accuracy. Figures go only into the checkpoint of their own iteration.
     */
    @Test
    void aTorchScriptNetworkCanBeGiven(@TempDir Path dir) throws Exception {
        torch.manual_seed(3);
        Path net = TinyModules.save(dir, "pool", """
                def forward(self, x):
                    pooled = torch.adaptive_avg_pool2d(x, [4, 4]).reshape([x.size(0), -1])
                    return torch.tanh(torch.matmul(pooled, self.w))
                """, Map.of("w", torch.randn(48, 8)));
        Path run = dir.resolve("run");
        Cli.Run r = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", run.toString(),
                "--set", "training.iterations=5", "--set", "output.eval_every=2",
                "--set", "output.checkpoint_every=1", "--set", "output.keep_last=5",
                "--set", "output.eval_features=" + net,
                "--set", "output.eval_feature_spec=input=16,normalise=zero-one,channels=3,logits=-1"));
        assertEquals(0, r.code(), r.err());
        List<Map<String, Object>> records = MetricsLogger.read(run).stream().filter(m -> m.get("fid") != null)
                .toList();
        assertEquals(List.of(2L, 4L, 5L), records.stream().map(m -> ((Number) m.get("iteration")).longValue())
                .toList(), "every 2 iterations and at the last");
        assertFalse(records.get(0).containsKey("class_accuracy"), records.get(0).toString());
        for (Path ckpt : new CheckpointStore(run, 5, "").list()) {
            long it = CheckpointStore.iterationOf(ckpt);
            boolean hasFid = CheckpointFile.manifest(ckpt).path("metrics").has("fid");
            assertEquals(it % 2 == 0 || it == 5, hasFid, "checkpoint " + it + " carries FID only if evaluated");
        }
    }

    /**
     * The FID Inception during training ({@code output.eval_features=inception:FILE}, here the
     * fixture's weights): FID every evaluation, no class accuracy (its 1008 ImageNet classes are
     * not the data's 10); a missing weight file is one line.
     */
    @Test
    void theFidInceptionCanScoreTraining(@TempDir Path dir) throws Exception {
        Path weights = Path.of(TrainEvaluationTest.class.getResource(
                "/fixtures/fid-inception/pt_inception-fixture.pth").toURI());
        Path run = dir.resolve("run");
        Cli.Run r = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", run.toString(),
                "--set", "training.iterations=2", "--set", "output.eval_every=2", "--set", "output.eval_samples=10",
                "--set", "output.eval_features=inception:" + weights));
        assertEquals(0, r.code(), r.err());
        List<Map<String, Object>> records = MetricsLogger.read(run).stream().filter(m -> m.get("fid") != null)
                .toList();
        assertEquals(1, records.size(), records.toString());
        assertTrue(((Number) records.get(0).get("fid")).doubleValue() > 0, records.toString());
        assertFalse(records.get(0).containsKey("class_accuracy"), records.get(0).toString());

        Cli.Run missing = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", dir.resolve("m").toString(),
                "--set", "output.eval_every=2", "--set", "output.eval_features=inception:" + dir.resolve("no.pth")));
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().strip().contains("no.pth is not a file") && !missing.err().strip().contains("\n"),
                missing.err());
    }

    /** No feature network applies, a missing file, a bad spec: one line each, nothing written. */
    @Test
    void configurationsWithoutAFittingNetworkFailInOneLine(@TempDir Path dir) {
        Path run = dir.resolve("rgb");
        Cli.Run rgb = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", run.toString(),
                "--set", "model.image_channels=3", "--set", "output.eval_every=2"));
        assertNotEquals(0, rgb.code());
        String line = rgb.err().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("output.eval_every=2 needs a feature network") && line.contains("3-channel")
                && line.contains("output.eval_features=FILE.pt"), line);
        assertFalse(Files.exists(run.resolve("config.yaml")), "nothing written");
        assertFalse(Files.exists(run.resolve("metrics.jsonl")), "nothing written");

        Cli.Run missing = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", dir.resolve("m").toString(),
                "--set", "output.eval_every=2", "--set", "output.eval_features=" + dir.resolve("none.pt")));
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().strip().contains("none.pt is not a file"), missing.err());

        Cli.Run spec = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", dir.resolve("s").toString(),
                "--set", "output.eval_every=2", "--set", "output.eval_features=x.pt",
                "--set", "output.eval_feature_spec=size=32"));
        assertNotEquals(0, spec.code());
        assertTrue(spec.err().contains("output.eval_feature_spec") && spec.err().contains("unknown key 'size'"),
                spec.err());

        Cli.Run stale = Cli.run(concat("train", "--preset", "fmnist-demo", "--out", dir.resolve("b").toString(),
                "--set", "output.eval_every=4", "--set", "output.checkpoint_every=6",
                "--set", "output.best_metric=fid"));
        assertNotEquals(0, stale.code());
        assertTrue(stale.err().contains("multiple of output.eval_every (4)"), stale.err());
    }

    /** The command with the tiny settings first, so that the test's own --set values win. */
    private static String[] concat(String command, String... rest) {
        List<String> all = new ArrayList<>(List.of(command));
        for (String s : tiny(6)) {
            all.add("--set");
            all.add(s);
        }
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }
}
