package org.biggan4j.eval.reference;

import org.biggan4j.data.ArrayImages;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.FeatureStatistics;
import org.biggan4j.eval.torchscript.TinyModules;
import org.biggan4j.eval.torchscript.TorchScriptFeatures;
import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceCacheTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    /** Counts forward passes of the network it wraps. */
    private static final class Counting implements FeatureExtractor {
        final FeatureExtractor inner;
        final AtomicInteger forwards = new AtomicInteger();

        Counting(FeatureExtractor inner) {
            this.inner = inner;
        }

        @Override
        public int featureDim() {
            return inner.featureDim();
        }

        @Override
        public int numClasses() {
            return inner.numClasses();
        }

        @Override
        public int imageChannels() {
            return inner.imageChannels();
        }

        @Override
        public Output extract(Tensor images) {
            forwards.incrementAndGet();
            return inner.extract(images);
        }

        @Override
        public String describe() {
            return inner.describe();
        }
    }

    /** 40 random 8x8 grey images of 4 classes. */
    private static LabelledImages data() {
        SplittableRandom r = new SplittableRandom(5);
        byte[] pixels = new byte[40 * 64];
        int[] labels = new int[40];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) r.nextInt(256);
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
        }
        return new ArrayImages(pixels, labels, 1, 8, List.of("a", "b", "c", "d"), "random 8x8");
    }

    private static Path module(Path dir, String name, float scale) {
        return TinyModules.save(dir, name, """
                def forward(self, x):
                    f = x.mean([2, 3])
                    return (torch.cat([f, f * f], 1) * self.s, torch.cat([f, -f, f * 2.0, f * 0.5], 1))
                """, Map.of("s", Tensors.fromFloats(new float[] {scale}, CPU, 1)));
    }

    private static final LoaderOptions READ = LoaderOptions.of(16, 0).withShuffle(false);

    private static ReferenceKey key(String dataset, TorchScriptFeatures net) {
        return new ReferenceKey(dataset, ReferenceKey.readOptions("test", 8, 1, "pad", 32), net.identity());
    }

    @Test
    void aHitReturnsTheSameFeaturesWithoutRunningTheNetwork(@TempDir Path dir) throws Exception {
        TorchScriptSpec spec = new TorchScriptSpec(8, TorchScriptSpec.Resize.BILINEAR,
                TorchScriptSpec.Normalisation.ZERO_ONE, 3, 0, 1, true);
        ReferenceCache cache = new ReferenceCache(dir.resolve("cache"));
        LabelledImages data = data();
        try (TorchScriptFeatures net = TorchScriptFeatures.load(module(dir, "m", 1f), spec, CPU)) {
            Counting counting = new Counting(net);
            ReferenceKey key = key("random-8x8", net);
            float[] first;
            float[] firstLogits;
            long[] firstLabels;
            try (ReferenceFeatures f = cache.getOrCompute(key, CPU, () -> ReferenceFeatures.compute(counting, data, READ, CPU))) {
                assertEquals(2, counting.forwards.get(), "40 images in batches of 16: 2 whole batches");
                assertEquals(32, f.count());
                assertEquals(6, f.dims(), "[f, f * f] of 3 channels");
                assertEquals(12, f.classes());
                first = Tensors.toFloats(f.features());
                firstLogits = Tensors.toFloats(f.logits());
                firstLabels = Tensors.toLongs(f.labels());
            }
            Path entry = cache.entry(key);
            assertTrue(Files.isRegularFile(entry.resolve("index.json")), "an entry was written");
            FeatureStatistics stats = FeatureStatistics.load(entry.resolve("statistics.npz"));
            assertEquals(32, stats.count());

            try (ReferenceFeatures again = cache.getOrCompute(key, CPU, () -> ReferenceFeatures.compute(counting, data, READ, CPU))) {
                assertEquals(2, counting.forwards.get(), "a hit runs no forward pass");
                assertArrayEquals(first, Tensors.toFloats(again.features()));
                assertArrayEquals(firstLogits, Tensors.toFloats(again.logits()));
                assertArrayEquals(firstLabels, Tensors.toLongs(again.labels()));
            }
            try (var s = new PointerScope()) {
                assertArrayEquals(stats.mu(), FeatureStatistics.of(Tensors.fromFloats(first, CPU, 32, 6), CPU).mu(), 1e-9);
            }

            // A corrupt entry is ignored (with a warning) and recomputed, and the rewrite is whole again.
            Files.write(entry.resolve("features.npy"), new byte[] {'n', 'o', 'p', 'e'});
            try (ReferenceFeatures recomputed = cache.getOrCompute(key, CPU,
                    () -> ReferenceFeatures.compute(counting, data, READ, CPU))) {
                assertEquals(4, counting.forwards.get(), "the corrupt entry was recomputed");
                assertArrayEquals(first, Tensors.toFloats(recomputed.features()));
            }
            assertTrue(cache.load(key, CPU).isPresent(), "the recomputed entry replaced the corrupt one");
            // A mangled index is ignored too.
            Files.writeString(entry.resolve("index.json"), "{\"format\": 3");
            assertTrue(cache.load(key, CPU).isEmpty());
        }
    }

    @Test
    void changingTheSpecTheModuleFileOrTheDataChangesTheKey(@TempDir Path dir) throws Exception {
        TorchScriptSpec spec = new TorchScriptSpec(8, TorchScriptSpec.Resize.BILINEAR,
                TorchScriptSpec.Normalisation.ZERO_ONE, 3, 0, 1, true);
        ReferenceCache cache = new ReferenceCache(dir.resolve("cache"));
        LabelledImages data = data();
        Path file = module(dir, "m", 1f);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, spec, CPU);
             TorchScriptFeatures otherSpec = TorchScriptFeatures.load(file, spec.withNormalisation(
                     TorchScriptSpec.Normalisation.MINUS_ONE_ONE), CPU);
             TorchScriptFeatures otherFile = TorchScriptFeatures.load(module(dir, "m2", 2f), spec, CPU)) {
            ReferenceKey key = key("random-8x8", net);
            try (ReferenceFeatures f = ReferenceFeatures.compute(net, data, READ, CPU)) {
                cache.store(key, f, CPU);
            }
            assertTrue(cache.load(key, CPU).isPresent());
            assertTrue(cache.load(key("random-8x8", otherSpec), CPU).isEmpty(), "another normalisation");
            assertTrue(cache.load(key("random-8x8", otherFile), CPU).isEmpty(), "another module file");
            assertTrue(cache.load(key("other-data", net), CPU).isEmpty(), "other data");
            assertTrue(cache.load(new ReferenceKey("random-8x8", ReferenceKey.readOptions("test", 8, 1, "pad", 16),
                    net.identity()), CPU).isEmpty(), "another count");
        }
    }

    @Test
    void aDatasetFingerprintChangesWhenAFileChanges(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("images/cat"));
        Files.write(data.resolve("1.png"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(data.resolve("1.png"), FileTime.fromMillis(1_000_000));
        String before = Fingerprints.dataset(dir.resolve("images"));
        assertEquals(before, Fingerprints.dataset(dir.resolve("images")));
        Files.write(data.resolve("1.png"), new byte[] {1, 2, 4});
        Files.setLastModifiedTime(data.resolve("1.png"), FileTime.fromMillis(2_000_000));
        assertNotEquals(before, Fingerprints.dataset(dir.resolve("images")), "touched");
        Files.write(data.resolve("2.png"), new byte[] {1});
        String two = Fingerprints.dataset(dir.resolve("images"));
        assertTrue(two.contains("files 2"), two);
        assertNotEquals(Fingerprints.resources("/org/biggan4j/data/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
                Fingerprints.resources("/org/biggan4j/data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
    }

    @Test
    void testsCacheUnderTheBuildFolderNotTheHomeFolder() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        assertTrue(xdg != null && xdg.contains("target"), "surefire sets XDG_CACHE_HOME under target/, got " + xdg);
        assertEquals(Path.of(xdg, "biggan4j", "reference"), ReferenceCache.defaultDirectory());
    }
}
