package org.biggan4j.data;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderTest {

    @TempDir
    Path dir;

    /** 23 gray 8x8 images; image i is filled with value 10 i and has label i % 3. */
    static LabelledImages small() {
        int n = 23;
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(px, i * 64, (i + 1) * 64, (byte) (10 * i));
            labels[i] = i % 3;
        }
        return new ArrayImages(px, labels, 1, 8, List.of("a", "b", "c"), "small");
    }

    /** Indices, labels and pixel sums of {@code batches} batches. */
    static List<String> trace(DataLoader loader, int batches) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            try (PointerScope scope = new PointerScope()) {
                Batch b = loader.next();
                out.add(Arrays.toString(b.indices()) + Arrays.toString(Tensors.toLongs(b.labels()))
                        + Arrays.hashCode(Tensors.toFloats(b.images())));
            }
        }
        return out;
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndEpochsArePermutations() {
        LabelledImages data = small();
        LoaderOptions options = LoaderOptions.of(5, 42).withFlip(true);
        List<String> a;
        List<String> b;
        try (DataLoader one = new DataLoader(data, options, ComputeDevice.CPU);
             DataLoader two = new DataLoader(data, options, ComputeDevice.CPU)) {
            assertEquals(4, one.batchesPerEpoch()); // 23 / 5, the last 3 dropped
            a = trace(one, 12);
            b = trace(two, 12);
        }
        assertEquals(a, b);
        try (DataLoader other = new DataLoader(data, LoaderOptions.of(5, 43).withFlip(true), ComputeDevice.CPU)) {
            assertNotEquals(a, trace(other, 12));
        }
        // Within an epoch no image repeats, and epochs differ in order.
        try (DataLoader loader = new DataLoader(data, LoaderOptions.of(5, 42), ComputeDevice.CPU)) {
            Set<Integer> epoch0 = new HashSet<>();
            List<Integer> order0 = new ArrayList<>();
            List<Integer> order1 = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                try (PointerScope scope = new PointerScope()) {
                    Batch batch = loader.next();
                    for (int idx : batch.indices()) {
                        (i < 4 ? order0 : order1).add(idx);
                        if (i < 4) {
                            assertTrue(epoch0.add(idx), "image " + idx + " repeated in epoch 0");
                        }
                    }
                    assertEquals((i + 1) / 4, batch.position().epoch()); // the position after the batch
                }
            }
            assertNotEquals(order0, order1);
        }
    }

    @Test
    void aRestoredPositionContinuesTheSequenceExactly() {
        LabelledImages data = small();
        LoaderOptions options = LoaderOptions.of(4, 7).withFlip(true);
        List<String> reference;
        try (DataLoader loader = new DataLoader(data, options, ComputeDevice.CPU)) {
            reference = trace(loader, 15);
        }
        String saved;
        List<String> firstPart;
        try (DataLoader loader = new DataLoader(data, options, ComputeDevice.CPU)) {
            firstPart = trace(loader, 3); // mid-epoch: 5 batches per epoch
            saved = loader.position().toJson();
        }
        LoaderPosition position = LoaderPosition.fromJson(saved);
        assertEquals(new LoaderPosition(7, 23, 0, 12), position);
        try (DataLoader resumed = new DataLoader(data, options, ComputeDevice.CPU, position)) {
            List<String> joined = new ArrayList<>(firstPart);
            joined.addAll(trace(resumed, 12));
            assertEquals(reference, joined);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(data, LoaderOptions.of(4, 8), ComputeDevice.CPU, position));
        assertTrue(e.getMessage().contains("seed"), e.getMessage());
    }

    @Test
    void shardsAreDisjointSlicesOfTheGlobalBatchesAndKeepItsPositions() {
        LabelledImages data = small();
        LoaderOptions whole = LoaderOptions.of(6, 11).withFlip(true);
        int batches = 9; // over two epoch boundaries: 3 batches of 6 per epoch of 23
        List<String> reference = new ArrayList<>();
        List<String> fromShards = new ArrayList<>();
        try (DataLoader loader = new DataLoader(data, whole, ComputeDevice.CPU);
             DataLoader first = new DataLoader(data, whole.withShard(new LoaderOptions.Shard(0, 2)), ComputeDevice.CPU);
             DataLoader second = new DataLoader(data, whole.withShard(new LoaderOptions.Shard(1, 2)), ComputeDevice.CPU)) {
            for (int i = 0; i < batches; i++) {
                try (PointerScope scope = new PointerScope()) {
                    Batch b = loader.next();
                    Batch x = first.next();
                    Batch y = second.next();
                    assertEquals(3, x.indices().length);
                    assertEquals(b.position(), x.position(), "positions count global batches");
                    assertEquals(b.position(), y.position());
                    Set<Integer> overlap = new HashSet<>();
                    for (int idx : x.indices()) {
                        overlap.add(idx);
                    }
                    for (int idx : y.indices()) {
                        assertTrue(!overlap.contains(idx), "image " + idx + " in both shards");
                    }
                    // Concatenated, the slices are the lone loader's batch: samples, labels, flips.
                    reference.add(Arrays.toString(b.indices()) + Arrays.toString(Tensors.toLongs(b.labels()))
                            + Arrays.hashCode(Tensors.toFloats(b.images())));
                    int[] indices = new int[6];
                    System.arraycopy(x.indices(), 0, indices, 0, 3);
                    System.arraycopy(y.indices(), 0, indices, 3, 3);
                    long[] labels = new long[6];
                    System.arraycopy(Tensors.toLongs(x.labels()), 0, labels, 0, 3);
                    System.arraycopy(Tensors.toLongs(y.labels()), 0, labels, 3, 3);
                    float[] pixels = new float[6 * 64];
                    System.arraycopy(Tensors.toFloats(x.images()), 0, pixels, 0, 3 * 64);
                    System.arraycopy(Tensors.toFloats(y.images()), 0, pixels, 3 * 64, 3 * 64);
                    fromShards.add(Arrays.toString(indices) + Arrays.toString(labels) + Arrays.hashCode(pixels));
                }
            }
        }
        assertEquals(reference, fromShards);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoaderOptions.of(5, 1).withShard(new LoaderOptions.Shard(0, 2)));
        assertEquals("The batch size 5 is not divisible by the 2 processes: choose a multiple of 2.", e.getMessage());
    }

    @Test
    void paddingCentresSmallImagesOnMinusOne() {
        try (DataLoader loader = new DataLoader(small(), LoaderOptions.of(2, 1).withShuffle(false)
                .withModelResolution(12, LoaderOptions.Fit.PAD), ComputeDevice.CPU);
             PointerScope scope = new PointerScope()) {
            Batch b = loader.next();
            assertArrayEquals(new long[] {2, 1, 12, 12}, Tensors.shape(b.images()));
            float[] v = Tensors.toFloats(b.images());
            // Image 1 (value 10) in slot 1: border -1, centre 10 / 127.5 - 1.
            assertEquals(-1f, v[144], 0f);
            assertEquals(-1f, v[144 + 12 + 1], 0f);
            assertEquals(10 / 127.5f - 1f, v[144 + 2 * 12 + 2], 1e-6f);
            assertEquals(10 / 127.5f - 1f, v[144 + 9 * 12 + 9], 1e-6f);
            assertEquals(-1f, v[144 + 10 * 12 + 10], 0f);
            assertArrayEquals(new long[] {0, 1}, Tensors.toLongs(b.labels()));
        }
    }

    @Test
    void flipsMirrorRowsAndValuesSpanMinusOneToOne() {
        // One 2x2 RGB image per index: left column 0, right column 255.
        byte[] px = new byte[4 * 12];
        for (int i = 0; i < 4; i++) {
            for (int p = 0; p < 12; p += 2) {
                px[i * 12 + p + 1] = (byte) 255;
            }
        }
        ArrayImages data = new ArrayImages(px, new int[] {0, 0, 0, 0}, 3, 2, List.of("x"), "lr");
        try (DataLoader loader = new DataLoader(data, LoaderOptions.of(4, 3).withFlip(true), ComputeDevice.CPU)) {
            int flipped = 0;
            for (int k = 0; k < 10; k++) {
                try (PointerScope scope = new PointerScope()) {
                    float[] v = Tensors.toFloats(loader.next().images());
                    for (int i = 0; i < 4; i++) {
                        float left = v[i * 12];
                        float right = v[i * 12 + 1];
                        assertTrue((left == -1f && right == 1f) || (left == 1f && right == -1f));
                        flipped += left == 1f ? 1 : 0;
                    }
                }
            }
            assertTrue(flipped > 5 && flipped < 35, "flipped " + flipped + " of 40");
        }
    }

    @Test
    void classBalancedSamplingEvensOutRareClasses() {
        // 30 images of class 0, 3 of class 1.
        int n = 33;
        int[] labels = new int[n];
        for (int i = 30; i < n; i++) {
            labels[i] = 1;
        }
        ArrayImages data = new ArrayImages(new byte[n * 64], labels, 1, 8, List.of("common", "rare"), "imbalanced");
        int[] count = new int[2];
        try (DataLoader loader = new DataLoader(data, LoaderOptions.of(11, 5)
                .withSampling(LoaderOptions.Sampling.CLASS_BALANCED), ComputeDevice.CPU)) {
            for (int k = 0; k < 60; k++) {
                try (PointerScope scope = new PointerScope()) {
                    for (long l : Tensors.toLongs(loader.next().labels())) {
                        count[(int) l]++;
                    }
                }
            }
        }
        double rareShare = count[1] / (double) (count[0] + count[1]);
        assertTrue(rareShare > 0.4 && rareShare < 0.6, "rare share " + rareShare);
    }

    @Test
    void multiLabelImagesAreDrawnWithEachOfTheirLabels() throws IOException {
        TestData.png(dir.resolve("a.png"), 10, 10, 1);
        TestData.png(dir.resolve("b.png"), 10, 10, 2);
        Files.writeString(dir.resolve("labels.tsv"), "a.png\tx,y,z\nb.png\tz\n");
        LabelledImages data = DataSources.open(dir.resolve("labels.tsv"), DataOptions.defaults().withResolution(8));
        Set<Long> labelsOfA = new HashSet<>();
        try (DataLoader loader = new DataLoader(data, LoaderOptions.of(2, 9).withWorkers(2), ComputeDevice.CPU)) {
            for (int k = 0; k < 40; k++) {
                try (PointerScope scope = new PointerScope()) {
                    Batch b = loader.next();
                    long[] l = Tensors.toLongs(b.labels());
                    for (int i = 0; i < 2; i++) {
                        if (b.indices()[i] == 0) {
                            labelsOfA.add(l[i]);
                        } else {
                            assertEquals(2L, l[i]);
                        }
                    }
                }
            }
        }
        assertEquals(Set.of(0L, 1L, 2L), labelsOfA);
    }

    @Test
    void unreadableFilesAreSkippedAndCounted() throws IOException {
        TestData.png(dir.resolve("c/a.png"), 10, 10, 1);
        TestData.png(dir.resolve("c/b.png"), 10, 10, 2);
        Files.write(dir.resolve("c/broken.png"), new byte[] {1, 2, 3});
        LabelledImages data = DataSources.open(dir, DataOptions.defaults().withResolution(8));
        assertEquals(3, data.count());
        try (DataLoader loader = new DataLoader(data, LoaderOptions.of(3, 1), ComputeDevice.CPU)) {
            for (int k = 0; k < 3; k++) {
                try (PointerScope scope = new PointerScope()) {
                    Batch b = loader.next();
                    for (int idx : b.indices()) {
                        assertNotEquals(2, idx, "the broken file (index 2, sorted) must never be delivered");
                    }
                }
            }
            assertEquals(1, loader.skippedImages());
        }
    }

    @Test
    void closeStopsTheBackgroundThread() throws InterruptedException {
        DataLoader loader = new DataLoader(small(), LoaderOptions.of(2, 1), ComputeDevice.CPU);
        loader.close();
        Thread.sleep(50);
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("biggan4j-loader") && t.isAlive()));
        assertThrows(IllegalStateException.class, loader::next);
    }
}
