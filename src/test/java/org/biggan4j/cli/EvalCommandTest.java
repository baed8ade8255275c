package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.PngFiles;
import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalCommandTest {



    /** 1,000 real test images (padded to 32 px) and their labels as .npy files. */
    private static void writeRealImages(Path images, Path labels) throws Exception {
        var data = DataSources.open(null, DataOptions.defaults().withChannels(1).withSplit(DataOptions.Split.TEST));
        LoaderOptions options = LoaderOptions.of(1000, 3).withModelResolution(32, LoaderOptions.Fit.PAD);
        try (DataLoader loader = new DataLoader(data, options, ComputeDevice.CPU)) {
            Batch b = loader.next();
            Npy.write(images, b.images());
            Npy.write(labels, b.labels());
        }
    }

    @Test
    void realImagesScoreAsRealAndNoiseDoesNot(@TempDir Path dir) throws Exception {
        Path images = dir.resolve("real.npy");
        Path labels = dir.resolve("labels.npy");
        writeRealImages(images, labels);
        Cli.Run real = Cli.run("eval", "--samples", images.toString(), "--labels", labels.toString(), "--out",
                dir.resolve("real").toString(), "--json");
        assertEquals(0, real.code(), real.err());
        JsonNode r = new ObjectMapper().readTree(real.out()).path("results").get(0);
        assertTrue(r.path("class_accuracy").asDouble() > 0.85, real.out());   // the network scores 93% on real images
        assertTrue(r.path("precision").asDouble() > 0.8 && r.path("recall").asDouble() > 0.8, real.out());
        double realFid = r.path("fid").asDouble();

        Path noise = dir.resolve("noise.npy");
        Npy.write(noise, torch.rand(new long[] {1000, 1, 32, 32}).mul(new Scalar(2))
                .sub(new Scalar(1)));
        Cli.Run bad = Cli.run("eval", "--samples", noise.toString(), "--out", dir.resolve("noise").toString(), "--json");
        assertEquals(0, bad.code(), bad.err());
        JsonNode n = new ObjectMapper().readTree(bad.out()).path("results").get(0);
        assertTrue(n.path("fid").asDouble() > 10 * realFid, "noise FID " + n.path("fid") + " vs real " + realFid);
        // Noise collapses to one spot of feature space that falls inside the k-NN balls of real
        // outliers, so precision does not flag it (a known blind spot); recall and coverage do.
        assertTrue(n.path("recall").asDouble() < 0.2 && n.path("coverage").asDouble() < 0.2, bad.out());
        assertTrue(n.path("inception_score").asDouble() < 2, bad.out());
        assertTrue(Files.exists(dir.resolve("noise/metrics.csv")));
    }

    /**
     * Writes rows {@code [first, first + count)} of the bundled Fashion-MNIST t10k set as an idx
     * test pair in {@code dir} (the names say test split, which eval reads).
     */
    private static void writeIdxRows(Path dir, int first, int count) throws Exception {
        byte[] images = bundled("t10k-images-idx3-ubyte.gz");
        byte[] labels = bundled("t10k-labels-idx1-ubyte.gz");
        int pixels = 28 * 28;
        Files.createDirectories(dir);
        ByteBuffer imageFile = ByteBuffer.allocate(16 + count * pixels);
        imageFile.putInt(0x803).putInt(count).putInt(28).putInt(28).put(images, 16 + first * pixels, count * pixels);
        ByteBuffer labelFile = ByteBuffer.allocate(8 + count);
        labelFile.putInt(0x801).putInt(count).put(labels, 8 + first, count);
        Files.write(dir.resolve("test-images-idx3-ubyte"), imageFile.array());
        Files.write(dir.resolve("test-labels-idx1-ubyte"), labelFile.array());
    }

    private static byte[] bundled(String name) throws Exception {
        try (var in = new GZIPInputStream(EvalCommandTest.class.getResourceAsStream(
                DataSources.BUNDLED_FASHION_MNIST + name))) {
            return in.readAllBytes();
        }
    }

    /** The scores of {@code eval --samples images [--labels labels] --real reference}. */
    private static JsonNode scoreAgainst(Path images, Path labels, Path reference, Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of("eval", "--samples", images.toString(),
                "--real", reference.toString(), "--out", out.toString(), "--json"));
        if (labels != null) {
            args.addAll(List.of("--labels", labels.toString()));
        }
        Cli.Run run = Cli.run(args.toArray(new String[0]));
        assertEquals(0, run.code(), run.err());
        System.out.println("[eval] " + out.getFileName() + ": " + run.out().replaceAll("\\s+", " "));
        return new ObjectMapper().readTree(run.out()).path("results").get(0);
    }

    @Test
    void realImagesOutsideTheReferenceSetScoreAsRealAndOneClassOfThemDoesNotCoverIt(@TempDir Path dir)
            throws Exception {
        // The embedded t10k set split by index: rows 0-4999 are the reference, 1,000 of rows
        // 5000-9999 are scored, so no scored image is in the reference set (the training split
        // is not embedded; these are all test images, which is what matters: disjoint sets).
        Path reference = dir.resolve("reference");
        Path held = dir.resolve("held");
        writeIdxRows(reference, 0, 5000);
        writeIdxRows(held, 5000, 5000);
        var data = DataSources.open(held, DataOptions.defaults().withChannels(1).withSplit(DataOptions.Split.TEST));
        LoaderOptions options = LoaderOptions.of(1000, 3).withModelResolution(32, LoaderOptions.Fit.PAD);
        Path images = dir.resolve("held.npy");
        Path labels = dir.resolve("held-labels.npy");
        Path oneClass = dir.resolve("one-class.npy");
        try (DataLoader loader = new DataLoader(data, options, ComputeDevice.CPU)) {
            Batch b = loader.next();
            Npy.write(images, b.images());
            Npy.write(labels, b.labels());
            var trousers = torch.nonzero(b.labels().eq(new Scalar(1L))).reshape(-1);
            Npy.write(oneClass, b.images().index_select(0, trousers));
        }

        // Measured: precision 0.883, recall 0.896, class accuracy 0.936, FID 11.5, coverage 0.58.
        JsonNode r = scoreAgainst(images, labels, reference, dir.resolve("held-out"));
        assertTrue(r.path("class_accuracy").asDouble() > 0.85, r.toString());
        assertTrue(r.path("precision").asDouble() > 0.8 && r.path("recall").asDouble() > 0.8, r.toString());

        // Real images of one class (trousers): each is real, so precision stays high, but they
        // cover a tenth of the reference set, which recall and coverage must show.
        // Without labels: class-aware scores (intra-class FID) need every class in both sets.
        // Measured (115 images): precision 0.878, recall 0.132, coverage 0.064, FID 2,508.
        JsonNode one = scoreAgainst(oneClass, null, reference, dir.resolve("one-class"));
        assertTrue(one.path("precision").asDouble() > 0.8, one.toString());
        assertTrue(one.path("recall").asDouble() < 0.3 && one.path("coverage").asDouble() < 0.3, one.toString());
        assertTrue(one.path("fid").asDouble() > 5 * r.path("fid").asDouble(), "one class FID " + one.path("fid")
                + " vs held-out " + r.path("fid"));
    }

    @Test
    void aRunIsScoredAtEveryTruncationWithTheReportingPoints(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        Cli.Run train = Cli.run("train", "--preset", "fmnist-demo", "--out", runDir.toString(), "--set", "model.ch=4", "--set",
                "training.batch_size=8", "--set", "training.iterations=2", "--set", "output.sample_every=0",
                "--set", "output.eval_every=0");
        assertEquals(0, train.code(), train.err());
        // Held-out "real" images for the memorisation test: 10 classes of 3 random 28 px images.
        Path heldOut = dir.resolve("held-out");
        SplittableRandom random = new SplittableRandom(4);
        for (int c = 0; c < 10; c++) {
            for (int i = 0; i < 3; i++) {
                byte[] pixels = new byte[28 * 28];
                for (int p = 0; p < pixels.length; p++) {
                    pixels[p] = (byte) random.nextInt(256);
                }
                PngFiles.write(new ImageBytes(1, 28, 28, pixels),
                        heldOut.resolve("class" + c).resolve(i + ".png"));
            }
        }
        Cli.Run r = Cli.run("eval", runDir.toString(), "--truncations", "0,0.5", "-n", "200", "--standing-stats", "2",
                "--held-out", heldOut.toString(), "--memorisation-images", "20");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Memorisation (BigGAN section 4.2): D calls"), r.out());
        Path out = runDir.resolve("eval");
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "header and two truncations");
        assertTrue(Files.size(out.resolve("truncation-curve.png")) > 0);
        JsonNode doc = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertTrue(doc.path("reporting_points").has("best_fid"));
        assertTrue(doc.path("reporting_points").has("is_closest_to_real"));
        assertEquals(2, doc.path("results").size());
        assertTrue(r.out().contains("truncation 0.5"), r.out());
        assertEquals("standing statistics over 2 batches", doc.path("standing_statistics").path("truncation 0.5").asText());
        JsonNode memorisation = doc.path("memorisation");
        assertEquals(20, memorisation.path("images").asInt());
        for (String key : new String[] {"train_accuracy", "held_out_accuracy", "auc"}) {
            double v = memorisation.path(key).asDouble(-1);
            assertTrue(v >= 0 && v <= 1, key + " = " + v);
        }
        assertEquals("logit > 0", memorisation.path("rule").asText(), "fmnist-demo trains with the hinge loss");

        Cli.Run without = Cli.run("eval", runDir.toString(), "--truncations", "0", "-n", "20", "--standing-stats", "0",
                "--out", dir.resolve("eval2").toString());
        assertEquals(0, without.code(), without.err());
        assertTrue(without.out().contains("Memorisation test skipped: give --held-out PATH"), without.out());
    }

    @Test
    void badInputIsRefusedWithOneLine(@TempDir Path dir) throws Exception {
        Cli.Run neither = Cli.run("eval");
        assertEquals(2, neither.code());
        assertTrue(neither.err().contains("either a run"), neither.err());
        Path big = dir.resolve("big.npy");
        Npy.write(big, torch.ones(new long[] {4, 1, 32, 32}).mul(new Scalar(255)));
        Cli.Run range = Cli.run("eval", "--samples", big.toString());
        assertEquals(2, range.code());
        assertTrue(range.err().contains("[-1, 1]"), range.err());
        Path rgb = dir.resolve("rgb.npy");
        Npy.write(rgb, torch.zeros(new long[] {4, 3, 64, 64}));
        Cli.Run shape = Cli.run("eval", "--samples", rgb.toString());
        assertEquals(2, shape.code());
        assertTrue(shape.err().contains("1-channel 32x32"), shape.err());
    }
}
