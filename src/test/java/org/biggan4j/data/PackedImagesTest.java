package org.biggan4j.data;

import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ReferenceArea;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedImagesTest {

    @TempDir
    Path dir;

    /** The independent reference: centre crop, then a pixel-by-pixel area average (AreaResizeTest's). */
    static int[] reference(ImageBytes im, int target) {
        int side = Math.min(im.height(), im.width());
        double[] ref = ReferenceArea.average(im, (im.height() - side) / 2,
                (im.width() - side) / 2, side, target);
        int[] out = new int[ref.length];
        for (int i = 0; i < ref.length; i++) {
            out[i] = (int) Math.round(ref[i]);
        }
        return out;
    }

    @Test
    void imageFolderRoundTripsThroughThePackedFormat() throws IOException {
        Path root = dir.resolve("images");
        ImageBytes a = TestData.png(root.resolve("cats/a.png"), 37, 53, 1);
        ImageBytes b = TestData.png(root.resolve("cats/b.png"), 64, 48, 2);
        ImageBytes c = TestData.png(root.resolve("dogs/c.png"), 21, 19, 3);
        Files.writeString(root.resolve("dogs/notes.txt"), "not an image");
        Path out = dir.resolve("out.bgpack");
        Packer.Summary summary = Packer.pack(DataSources.open(root, DataOptions.defaults().withResolution(24)), out,
                root.toString(), 2, false);
        assertEquals(3, summary.count());
        PackedImages packed = PackedImages.open(out);
        assertEquals(List.of("cats", "dogs"), packed.classNames());
        assertEquals(24, packed.resolution());
        assertEquals(3, packed.channels());
        ImageBytes[] sources = {a, b, c};
        for (int i = 0; i < 3; i++) {
            int[] expected = reference(sources[i], 24);
            byte[] got = packed.image(i);
            for (int k = 0; k < expected.length; k++) {
                assertTrue(Math.abs(expected[k] - (got[k] & 0xFF)) <= 1, "image " + i + " byte " + k);
            }
        }
        assertEquals(0, packed.label(0));
        assertEquals(1, packed.label(2));
        assertEquals(0, packed.header().dataOffset() % PackedFormat.ALIGNMENT);
        assertTrue(packed.header().preprocessing().contains("area"));
    }

    @Test
    void corruptAndTruncatedImagesAreCountedNotFatal() throws IOException {
        Path root = dir.resolve("images");
        TestData.png(root.resolve("x/good1.png"), 20, 30, 1);
        TestData.jpeg(root.resolve("x/good2.jpg"), 30, 20, 2);
        Files.write(root.resolve("x/corrupt.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, 4});
        TestData.truncatedJpeg(root.resolve("y/truncated.jpg"));
        TestData.png(root.resolve("y/good3.png"), 16, 16, 3);
        Path out = dir.resolve("out.bgpack");
        Packer.Summary summary = Packer.pack(DataSources.open(root, DataOptions.defaults().withResolution(16)), out,
                root.toString(), 1, false);
        assertEquals(3, summary.count());
        assertEquals(5, summary.scanned());
        assertEquals(2, summary.skippedTotal());
        PackedImages packed = PackedImages.open(out);
        assertEquals(3, packed.count());
        assertEquals(2, packed.header().skipped().values().stream().mapToInt(Integer::intValue).sum());
        // good1, good2 in class x; good3 in class y.
        assertArrayEquals(new int[] {0, 0, 1}, new int[] {packed.label(0), packed.label(1), packed.label(2)});
    }

    @Test
    void grayscaleKeepsOneChannel() throws IOException {
        Path root = dir.resolve("gray");
        TestData.png(root.resolve("only/a.png"), 10, 12, 5);
        Path out = dir.resolve("g.bgpack");
        Packer.pack(DataSources.open(root, new DataOptions(8, 1, DataOptions.Split.ALL, null)), out, "g", 1, false);
        assertEquals(1, PackedImages.open(out).channels());
        assertEquals(64, PackedImages.open(out).image(0).length);
    }

    @Test
    void idxDataRoundTripsByteForByte() throws IOException {
        TestData.idx(dir.resolve("mnist"), "train", 9, 28, 9, 3, true);
        LabelledImages idx = DataSources.open(dir.resolve("mnist"), DataOptions.defaults());
        Path out = dir.resolve("m.bgpack");
        Packer.pack(idx, out, "mnist", 1, false);
        LabelledImages packed = DataSources.open(out, DataOptions.defaults());
        assertTrue(packed instanceof PackedImages);
        for (int i = 0; i < 9; i++) {
            assertArrayEquals(idx.image(i), packed.image(i));
            assertEquals(idx.label(i), packed.label(i));
        }
    }

    @Test
    void aHeaderThatDisagreesWithTheFileSizeIsRejected() throws IOException {
        TestData.idx(dir.resolve("mnist"), "train", 4, 28, 4, 2, false);
        Path out = dir.resolve("m.bgpack");
        Packer.pack(DataSources.open(dir.resolve("mnist"), DataOptions.defaults()), out, "mnist", 1, false);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1);
        }
        DataFormatException e = assertThrows(DataFormatException.class, () -> PackedImages.open(out));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("disagrees"), e.getMessage());
        Path notPacked = dir.resolve("x.bgpack");
        Files.writeString(notPacked, "hello");
        assertThrows(DataFormatException.class, () -> PackedImages.open(notPacked));
    }

    @Test
    void multiLabelListsSurviveThePackedFormat() throws IOException {
        Path root = dir.resolve("ml");
        TestData.png(root.resolve("a.png"), 12, 12, 1);
        TestData.png(root.resolve("b.png"), 12, 12, 2);
        Files.writeString(root.resolve("labels.tsv"), "# path<TAB>labels\na.png\tdog,outdoor,grass\nb.png\tcat\n");
        LabelledImages ml = DataSources.open(root.resolve("labels.tsv"), DataOptions.defaults().withResolution(8));
        assertTrue(ml.multiLabel());
        assertEquals(List.of("cat", "dog", "grass", "outdoor"), ml.classNames());
        Path out = dir.resolve("ml.bgpack");
        Packer.pack(ml, out, "ml", 1, false);
        PackedImages packed = PackedImages.open(out);
        assertTrue(packed.multiLabel());
        assertArrayEquals(new int[] {1, 3, 2}, packed.labels(0));
        assertArrayEquals(new int[] {0}, packed.labels(1));
    }

    @Test
    void failuresLeaveNoFileBehind() throws IOException {
        Path root = dir.resolve("bad");
        Files.createDirectories(root.resolve("c"));
        Files.write(root.resolve("c/a.jpg"), new byte[] {1, 2, 3});
        Files.write(root.resolve("c/b.png"), new byte[] {4, 5, 6});
        Path outDir = dir.resolve("out");
        Files.createDirectories(outDir);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Packer.pack(
                DataSources.open(root, DataOptions.defaults().withResolution(16)), outDir.resolve("x.bgpack"), "bad", 1,
                false));
        assertTrue(e.getMessage().contains("None of the 2 images"), e.getMessage());
        try (Stream<Path> files = Files.list(outDir)) {
            assertFalse(files.findAny().isPresent(), "no file or temporary file may remain");
        }
        assertNotNull(e.getMessage());
    }
}
