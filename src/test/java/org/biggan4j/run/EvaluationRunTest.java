package org.biggan4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.eval.SampleEvaluator;
import org.biggan4j.eval.reference.ReferenceCache;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.PngFiles;
import org.biggan4j.run.EvaluationRun.Request;
import org.biggan4j.tensor.ComputeDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link EvaluationRun} called as a library on a two-iteration conditional BigGAN. */
public class EvaluationRunTest {

    @Test
    void scoresEachTruncationAndReportsThePapersPoints(@TempDir Path dir) throws Exception {
        Path run = TinyRuns.conditionalBigGan(dir.resolve("run"));
        Path out = dir.resolve("eval");
        Path real = realImages(dir.resolve("real"), 10);
        Request request = new Request(run, null, null, List.of(0.0, 0.5), 40, real, 20, 0, 2, true, out, null, 20, 0);
        EvaluationReport report = EvaluationRun.run(request,
                FeatureNetworkChoice.bundled(new ReferenceCache(dir.resolve("cache"))), ComputeDevice.CPU);

        assertEquals(out, report.outDir());
        assertEquals(List.of("no truncation", "truncation 0.5"),
                report.rows().stream().map(SampleEvaluator.Scores::label).toList());
        for (SampleEvaluator.Scores r : report.rows()) {
            assertEquals(40, r.samples());
            assertTrue(r.fid() > 0 && Double.isFinite(r.fid()), "FID " + r.fid());
            assertTrue(r.classAccuracy() >= 0 && r.classAccuracy() <= 1, "accuracy " + r.classAccuracy());
        }
        // The bundled classifier is 93% right on the test split; 100 of its images are not scored at chance (10%).
        assertTrue(report.realClassAccuracy() > 0.8, "real accuracy " + report.realClassAccuracy());
        assertEquals(List.of("best_fid", "is_closest_to_real", "max_is"), List.copyOf(report.reportingPoints().keySet()));
        assertSame(report.rows().stream().min(Comparator.comparingDouble(SampleEvaluator.Scores::fid)).orElseThrow(),
                report.reportingPoints().get("best_fid"));
        assertTrue(report.memorisationSummary().startsWith("Memorisation test skipped"), report.memorisationSummary());

        JsonNode written = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(report.realInceptionScore(), written.path("real_inception_score").asDouble(), 0);
        assertEquals(2, written.path("iteration").asInt());
        assertEquals(new ObjectMapper().readTree(report.json()), written, "json() is what metrics.json holds");
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "header and two rows");
        assertTrue(Files.size(out.resolve("truncation-curve.png")) > 0);
        assertTrue(Files.isDirectory(dir.resolve("cache")), "the real features were cached where asked");
    }

    @Test
    void theBatchChangesNothingButSpeed(@TempDir Path dir) throws Exception {
        // Evaluation picks its own batch (EvaluationBatch: 256 at 32 px on a CPU); G in eval mode
        // and latents drawn before batching make the scores the same at any batch, up to the
        // convolutions' float32 rounding.
        Path run = TinyRuns.conditionalBigGan(dir.resolve("run"));
        Path real = realImages(dir.resolve("real"), 10);
        FeatureNetworkChoice bundled = FeatureNetworkChoice.bundled(new ReferenceCache(dir.resolve("cache")));
        EvaluationReport auto = EvaluationRun.run(new Request(run, null, null, List.of(0.5), 40, real, 0, 0, 2, true,
                dir.resolve("auto"), null, 20, 0), bundled, ComputeDevice.CPU);
        EvaluationReport seven = EvaluationRun.run(new Request(run, null, null, List.of(0.5), 40, real, 7, 0, 2, true,
                dir.resolve("seven"), null, 20, 0), bundled, ComputeDevice.CPU);
        SampleEvaluator.Scores a = auto.rows().get(0);
        SampleEvaluator.Scores b = seven.rows().get(0);
        assertEquals(a.fid(), b.fid(), 1e-4 * a.fid(), "FID at batch 256 and 7");
        assertEquals(a.classAccuracy(), b.classAccuracy(), 0.0);
        assertEquals(a.inceptionScore(), b.inceptionScore(), 1e-4 * a.inceptionScore());
    }

    /**
     * The first {@code perClass} images of each class of the embedded Fashion-MNIST test split, as
     * an image folder: a small real set keeps the k-NN metrics (precision, recall, density,
     * coverage) cheap, where the whole split of 10,000 costs minutes on two cores.
     */
    public static Path realImages(Path folder, int perClass) throws Exception {
        LabelledImages test = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        int[] written = new int[test.classCount()];
        byte[] pixels = new byte[test.imageBytes()];
        for (int i = 0; i < test.count() && Arrays.stream(written).anyMatch(n -> n < perClass); i++) {
            int c = test.labels(i)[0];
            if (written[c] < perClass) {
                test.read(i, pixels, 0);
                PngFiles.write(new ImageBytes(test.channels(), test.resolution(), test.resolution(), pixels.clone()),
                        folder.resolve(String.format(Locale.ROOT, "class%02d", c)).resolve(written[c]++ + ".png"));
            }
        }
        return folder;
    }

    @Test
    void requestsThatCannotWorkAreRefusedWhenBuilt(@TempDir Path dir) {
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class,
                () -> new Request(null, null, null, null, 100, null, 10, -1, 10, true, null, null, 100, 0));
        assertTrue(neither.getMessage().contains("either a run"), neither.getMessage());
        IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
                () -> new Request(dir, null, dir.resolve("y.npy"), null, 100, null, 10, -1, 10, true, null, null, 100, 0));
        assertTrue(labels.getMessage().contains("--labels goes with --samples"), labels.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> new Request(dir, null, null, List.of(-0.5), 100, null, 10, -1, 10, true, null, null, 100, 0));
        assertTrue(negative.getMessage().contains("truncations >= 0"), negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Request(dir, null, null, null, 1, null, 10, -1, 10, true, null, null, 100, 0));
        assertFalse(Files.exists(dir.resolve("eval")));
    }
}
