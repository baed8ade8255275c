package org.biggan4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxFilesTest {

    @TempDir
    Path dir;

    @Test
    void bundledFashionMnistHasAThousandImagesPerClass() {
        LabelledImages t10k = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        // With the system copy installed the default is the full set; the TEST split is t10k either way.
        assertEquals(10_000, t10k.count());
        assertEquals(28, t10k.resolution());
        assertEquals(1, t10k.channels());
        assertEquals(IdxFiles.FASHION_MNIST_CLASSES, t10k.classNames());
        int[] perClass = new int[10];
        for (int i = 0; i < t10k.count(); i++) {
            perClass[t10k.label(i)]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, perClass);
        // The first t10k image is an ankle boot (label 9) per the dataset's documentation.
        assertEquals(9, t10k.label(0));
    }

    @Test
    void theBundledResourceItselfReadsAsFashionMnist() {
        IdxFiles.Pair pair = new IdxFiles.Pair(
                IdxFiles.Source.resource(DataSources.BUNDLED_FASHION_MNIST + "t10k-images-idx3-ubyte.gz"),
                IdxFiles.Source.resource(DataSources.BUNDLED_FASHION_MNIST + "t10k-labels-idx1-ubyte.gz"),
                DataOptions.Split.TEST);
        ArrayImages data = IdxFiles.read(List.of(pair), null, "bundled fashion-mnist");
        assertEquals(10_000, data.count());
        assertEquals("Ankle boot", data.classNames().get(data.label(0)));
    }

    @Test
    void gzippedAndRawFilesDecodeAlikeAndPairsConcatenateTrainFirst() throws IOException {
        TestData.idx(dir.resolve("gz"), "train", 5, 8, 5, 3, true);
        TestData.idx(dir.resolve("raw"), "train", 5, 8, 5, 3, false);
        LabelledImages gz = DataSources.open(dir.resolve("gz"), DataOptions.defaults());
        LabelledImages raw = DataSources.open(dir.resolve("raw"), DataOptions.defaults());
        assertEquals(5, gz.count());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(raw.image(i), gz.image(i));
            assertEquals(i % 3, gz.label(i));
        }
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), gz.classNames());

        TestData.idx(dir.resolve("both"), "t10k", 2, 8, 2, 3, true);
        TestData.idx(dir.resolve("both"), "train", 5, 8, 5, 3, true);
        LabelledImages both = DataSources.open(dir.resolve("both"), DataOptions.defaults());
        assertEquals(7, both.count());
        assertArrayEquals(raw.image(4), both.image(4));
        assertEquals(2, DataSources.open(dir.resolve("both"), DataOptions.defaults().withSplit(DataOptions.Split.TEST)).count());
    }

    @Test
    void truncatedFilesAndMismatchedCountsNameTheFile() throws IOException {
        TestData.idx(dir, "train", 4, 8, 4, 2, false);
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] full = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(full, full.length - 10));
        DataFormatException truncated = assertThrows(DataFormatException.class,
                () -> DataSources.open(dir, DataOptions.defaults()));
        assertTrue(truncated.getMessage().contains("train-images-idx3-ubyte")
                && truncated.getMessage().contains("truncated"), truncated.getMessage());

        TestData.idx(dir, "train", 4, 8, 3, 2, false);
        DataFormatException mismatch = assertThrows(DataFormatException.class,
                () -> DataSources.open(dir, DataOptions.defaults()));
        assertTrue(mismatch.getMessage().contains("4 images") && mismatch.getMessage().contains("3 labels"),
                mismatch.getMessage());

        Files.delete(dir.resolve("train-labels-idx1-ubyte"));
        DataFormatException noLabels = assertThrows(DataFormatException.class,
                () -> DataSources.open(dir, DataOptions.defaults()));
        assertTrue(noLabels.getMessage().contains("no labels file"), noLabels.getMessage());
    }

    @Test
    void truncatedGzipIsReportedAsTruncated() throws IOException {
        TestData.idx(dir, "train", 50, 8, 50, 2, true);
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] full = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(full, full.length / 2));
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataSources.open(dir, DataOptions.defaults()));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
    }

    @Test
    void classNamesFollowTheFolderOrTheOption() throws IOException {
        Path fashion = dir.resolve("my-fashion-data");
        TestData.idx(fashion, "train", 3, 8, 3, 3, false);
        assertEquals("Trouser", DataSources.open(fashion, DataOptions.defaults()).classNames().get(1));
        List<String> names = List.of("a", "b", "c");
        assertEquals(names, DataSources.open(fashion, DataOptions.defaults().withClassNames(names)).classNames());
    }
}
