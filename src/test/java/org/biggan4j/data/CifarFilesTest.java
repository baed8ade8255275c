package org.biggan4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CifarFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsCifar10BatchesWithTheirClassNames() throws IOException {
        TestData.cifar(dir.resolve("data_batch_1.bin"), 6, 1, 10);
        TestData.cifar(dir.resolve("data_batch_2.bin"), 4, 1, 10);
        TestData.cifar(dir.resolve("test_batch.bin"), 3, 1, 10);
        Files.write(dir.resolve("batches.meta.txt"), List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
                "frog", "horse", "ship", "truck", ""));
        LabelledImages all = DataSources.open(dir, DataOptions.defaults());
        assertEquals(13, all.count());
        assertEquals(3, all.channels());
        assertEquals(32, all.resolution());
        assertEquals("truck", all.classNames().get(9));
        // Image 7 is record 1 of data_batch_2: label 1, channel c filled with 1 + 3c.
        assertEquals(1, all.label(7));
        byte[] im = all.image(7);
        assertEquals(1, im[0]);
        assertEquals(4, im[1024 + 500]);
        assertEquals(7, im[2048 + 1023]);
        assertEquals(10, DataSources.open(dir, DataOptions.defaults().withSplit(DataOptions.Split.TRAIN)).count());
        assertEquals(3, DataSources.open(dir, DataOptions.defaults().withSplit(DataOptions.Split.TEST)).count());
    }

    @Test
    void readsCifar100FineLabels() throws IOException {
        TestData.cifar(dir.resolve("train.bin"), 150, 2, 100);
        LabelledImages data = DataSources.open(dir, DataOptions.defaults());
        assertEquals(150, data.count());
        assertEquals(100, data.classCount());
        assertEquals(99, data.label(99));
        assertEquals(20, data.label(120));
        assertEquals(121 % 256, data.image(121)[0] & 0xFF);
    }

    @Test
    void aTruncatedBatchNamesTheFile() throws IOException {
        TestData.cifar(dir.resolve("data_batch_1.bin"), 2, 1, 10);
        byte[] b = Files.readAllBytes(dir.resolve("data_batch_1.bin"));
        Files.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(b, b.length - 100));
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataSources.open(dir, DataOptions.defaults()));
        assertTrue(e.getMessage().contains("data_batch_1.bin") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void resamplingAndGrayscaleViewsKeepLabels() throws IOException {
        TestData.cifar(dir.resolve("data_batch_1.bin"), 3, 1, 10);
        LabelledImages gray16 = DataSources.open(dir, new DataOptions(16, 1, DataOptions.Split.ALL, null));
        assertEquals(16, gray16.resolution());
        assertEquals(1, gray16.channels());
        assertEquals(2, gray16.label(2));
        // Uniform planes 2, 5, 8: luma 0.299*2 + 0.587*5 + 0.114*8 = 4.46 -> 4 everywhere.
        for (byte v : gray16.image(2)) {
            assertEquals(4, v);
        }
    }
}
