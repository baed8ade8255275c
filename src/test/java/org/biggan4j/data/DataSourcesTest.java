package org.biggan4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourcesTest {

    @TempDir
    Path dir;

    private void assertFails(Path path, DataOptions options, String... fragments) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataSources.open(path, options));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void badInputsNameTheFileAndTheFix() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertFails(empty, DataOptions.defaults().withResolution(32), empty.toString(), "no images");
        Path tree = dir.resolve("tree");
        TestData.png(tree.resolve("full/a.png"), 8, 8, 1);
        Files.createDirectories(tree.resolve("hollow"));
        assertFails(tree, DataOptions.defaults().withResolution(32), "hollow", "holds no images");
        assertFails(dir.resolve("missing"), DataOptions.defaults(), "does not exist");
        Path odd = dir.resolve("data.xyz");
        Files.writeString(odd, "?");
        assertFails(odd, DataOptions.defaults(), "Cannot tell the format");
        Files.delete(tree.resolve("hollow"));
        assertFails(tree, DataOptions.defaults(), "--resolution");
        DataFormatException bad = assertThrows(DataFormatException.class, () -> DataOptions.defaults().withResolution(4));
        assertTrue(bad.getMessage().contains("Resolution 4"), bad.getMessage());
    }

    @Test
    void detectsEachFormat() throws IOException {
        TestData.idx(dir.resolve("idx"), "train", 3, 8, 3, 2, true);
        TestData.cifar(dir.resolve("cifar/test_batch.bin"), 2, 1, 10);
        TestData.png(dir.resolve("tree/a/x.png"), 9, 9, 1);
        assertTrue(DataSources.open(dir.resolve("idx"), DataOptions.defaults()).description().startsWith("idx"));
        assertTrue(DataSources.open(dir.resolve("idx/train-images-idx3-ubyte.gz"), DataOptions.defaults())
                .description().startsWith("idx"));
        assertTrue(DataSources.open(dir.resolve("cifar"), DataOptions.defaults()).description().startsWith("CIFAR10"));
        assertTrue(DataSources.open(dir.resolve("tree"), DataOptions.defaults().withResolution(8)) instanceof ImageFiles);
    }

    @Test
    void multiLabelDrawsCoverEveryLabelOfAnImage() throws IOException {
        TestData.png(dir.resolve("a.png"), 12, 12, 1);
        TestData.png(dir.resolve("b.png"), 12, 12, 2);
        Files.writeString(dir.resolve("labels.csv"), "a.png,3,7;11\nb.png,7\n");
        LabelledImages ml = DataSources.open(dir.resolve("labels.csv"), DataOptions.defaults().withResolution(8));
        assertEquals(List.of("3", "7", "11"), ml.classNames());
        SplittableRandom r = new SplittableRandom(1);
        int[] seen = new int[3];
        for (int i = 0; i < 300; i++) {
            seen[ml.drawLabel(0, r)]++;
            assertEquals(1, ml.drawLabel(1, r));
        }
        for (int s : seen) {
            assertTrue(s > 50, Arrays.toString(seen));
        }
    }
}
