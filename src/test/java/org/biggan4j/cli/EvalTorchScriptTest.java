package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.reference.Fingerprints;
import org.biggan4j.eval.torchscript.TinyModules;
import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code biggan4j eval --features FILE.pt}: a TorchScript feature network and the reference-features cache. */
class EvalTorchScriptTest {

    /**
     * A small "Inception": 3-channel input, features = a random projection of 4x4 average-pooled
     * pixels [B, 8], logits over Fashion-MNIST's 10 classes; returns (features, logits).
     */
    private static Path network(Path dir) {
        torch.manual_seed(7);
        return TinyModules.save(dir, "tiny", """
                def forward(self, x):
                    pooled = torch.adaptive_avg_pool2d(x, [4, 4]).reshape([x.size(0), -1])
                    features = torch.tanh(torch.matmul(pooled, self.w))
                    return (features, torch.matmul(features, self.v))
                """, Map.of("w", torch.randn(48, 8), "v", torch.randn(8, 10)));
    }

    /**
     * The first {@code n} bundled Fashion-MNIST test images as an idx folder (t10k files): real
     * data small enough that the k-NN metrics stay quick.
     */
    private static Path realIdx(Path dir, int n) throws Exception {
        var data = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        int side = data.resolution();
        ByteBuffer images = ByteBuffer.allocate(16 + n * side * side).putInt(0x803).putInt(n).putInt(side).putInt(side);
        ByteBuffer labels = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            images.put(data.image(i));
            labels.put((byte) data.label(i));
        }
        Path folder = Files.createDirectories(dir.resolve("real-idx"));
        Files.write(folder.resolve("t10k-images-idx3-ubyte"), images.array());
        Files.write(folder.resolve("t10k-labels-idx1-ubyte"), labels.array());
        return folder;
    }

    private static List<Path> entries(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    @Test
    void aTorchScriptNetworkScoresSamplesAndTheRealFeaturesAreCached(@TempDir Path dir) throws Exception {
        Path net = network(dir);
        Path images = dir.resolve("real.npy");
        Path labels = dir.resolve("labels.npy");
        var data = DataSources.open(null, DataOptions.defaults().withChannels(1).withSplit(DataOptions.Split.TEST));
        try (DataLoader loader = new DataLoader(data, LoaderOptions.of(200, 3).withModelResolution(32,
                LoaderOptions.Fit.PAD), ComputeDevice.CPU)) {
            Batch b = loader.next();
            Npy.write(images, b.images());
            Npy.write(labels, b.labels());
        }
        Path cache = dir.resolve("cache");
        Path real = realIdx(dir, 500);
        String[] args = {"eval", "--samples", images.toString(), "--labels", labels.toString(), "--json",
                "--real", real.toString(),
                "--features", net.toString(), "--feature-input-size", "16", "--feature-resize", "area",
                "--feature-normalise", "zero-one", "--feature-channels", "3", "--feature-output", "0",
                "--logits-output", "1", "--cache", cache.toString(), "--out", dir.resolve("out").toString()};
        Cli.Run first = Cli.run(args);
        assertEquals(0, first.code(), first.err());
        JsonNode doc = new ObjectMapper().readTree(first.out());
        assertTrue(doc.path("feature_network").asText().contains("TorchScript tiny.pt"), first.out());
        // The TorchScript file is code that ran: the result names its exact bytes.
        assertEquals(Fingerprints.sha256(net), doc.path("feature_network_sha256").asText(),
                first.out());
        JsonNode r = doc.path("results").get(0);
        double fid = r.path("fid").asDouble();
        assertTrue(Double.isFinite(fid) && fid >= 0, first.out());
        assertTrue(r.path("inception_score").asDouble() >= 1, "logits output 1 gives an IS: " + first.out());
        assertTrue(Double.isFinite(r.path("class_accuracy").asDouble()), "10 logits for 10 classes: class-aware");

        List<Path> stored = entries(cache);
        assertEquals(1, stored.size(), "one cache entry: " + stored);
        Path index = stored.get(0).resolve("index.json");
        JsonNode idx = new ObjectMapper().readTree(index.toFile());
        assertEquals(500, idx.path("count").asInt(), "500 real images, 100 per batch");
        assertTrue(idx.path("network").asText().contains("normalise=zero-one"), idx.toString());
        assertTrue(idx.path("dataset").asText().startsWith("path " + real.toAbsolutePath()), idx.toString());
        FileTime written = Files.getLastModifiedTime(index);

        Cli.Run second = Cli.run(args);
        assertEquals(0, second.code(), second.err());
        JsonNode r2 = new ObjectMapper().readTree(second.out()).path("results").get(0);
        assertEquals(fid, r2.path("fid").asDouble(), 0.0, "cached reference features are the same features");
        assertEquals(1, entries(cache).size());
        assertEquals(written, Files.getLastModifiedTime(index), "a hit does not rewrite the entry");

        // Another normalisation is another network: a second entry.
        String[] other = args.clone();
        other[Arrays.asList(args).indexOf("zero-one")] = "minus-one-one";
        Cli.Run third = Cli.run(other);
        assertEquals(0, third.code(), third.err());
        assertEquals(2, entries(cache).size());

        // Without logits: no IS, no class-aware scores; with --no-cache nothing is written.
        String[] noLogits = Stream.concat(Stream.of(args).filter(a -> !a.equals(cache.toString()) && !a.equals("--cache")),
                Stream.of("--no-cache")).toArray(String[]::new);
        noLogits[Arrays.asList(noLogits).indexOf("--logits-output") + 1] = "-1";
        Cli.Run fourth = Cli.run(noLogits);
        assertEquals(0, fourth.code(), fourth.err());
        JsonNode r4 = new ObjectMapper().readTree(fourth.out()).path("results").get(0);
        assertEquals(fid, r4.path("fid").asDouble(), 1e-9, "the features do not depend on the logits output");
        assertTrue(Double.isNaN(r4.path("inception_score").asDouble()), fourth.out());
        assertEquals(2, entries(cache).size());
    }

    @Test
    void badFeatureOptionsAreRefusedWithOneLine(@TempDir Path dir) throws Exception {
        Path net = network(dir);
        Path samples = dir.resolve("noise.npy");
        Npy.write(samples, torch.zeros(new long[] {4, 1, 32, 32}));
        Cli.Run index = Cli.run("eval", "--samples", samples.toString(), "--features", net.toString(),
                "--feature-output", "2", "--no-cache");
        assertEquals(2, index.code(), index.err());
        assertTrue(index.err().contains(net.toString()) && index.err().contains("returns 2 outputs"), index.err());
        assertEquals(1, index.err().strip().lines().count(), index.err());

        Cli.Run channels = Cli.run("eval", "--samples", samples.toString(), "--features", net.toString(),
                "--feature-channels", "2");
        assertEquals(2, channels.code());
        assertTrue(channels.err().contains("1 or 3 channels"), channels.err());

        Cli.Run orphan = Cli.run("eval", "--samples", samples.toString(), "--feature-input-size", "16");
        assertEquals(2, orphan.code());
        assertTrue(orphan.err().contains("--features FILE.pt"), orphan.err());

        Cli.Run both = Cli.run("eval", "--samples", samples.toString(), "--no-cache", "--cache", dir.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("contradict"), both.err());
        assertFalse(Files.exists(dir.resolve("eval")), "nothing was written");
    }

    @Test
    void anImportedBigGanDeepIsScoredAtItsOwnTruncationsWithATorchScriptNetwork(@TempDir Path dir) throws Exception {
        Path folder = Path.of(EvalTorchScriptTest.class.getResource("/fixtures/pretrained-biggan-deep/config.json")
                .toURI()).getParent();
        Path ckpt = dir.resolve("deep.b4j");
        assertEquals(0, Cli.run("import", "--format", "hf-biggan-deep", "--in", folder.toString(), "--out",
                ckpt.toString()).code());
        Cli.Run r = Cli.run("eval", ckpt.toString(), "-n", "8", "--batch", "4", "--json", "--real",
                realIdx(dir, 60).toString(), "--features", network(dir).toString(), "--feature-input-size", "16",
                "--feature-channels", "3", "--feature-output", "0", "--logits-output", "-1", "--no-cache",
                "--out", dir.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode results = new ObjectMapper().readTree(r.out()).path("results");
        List<Double> truncations = new ArrayList<>();
        results.forEach(row -> truncations.add(row.path("truncation").asDouble()));
        assertEquals(List.of(1.0, 0.8, 0.6, 0.4, 0.2), truncations, "(0, 1], not the default list with 0 and 2");
    }
}
