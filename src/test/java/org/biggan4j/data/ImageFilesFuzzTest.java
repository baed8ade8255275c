package org.biggan4j.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.image.PngHeaders;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.Fuzz;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image folders and labels files (issue 19): a mutated labels file is parsed or refused in one
 * line naming it; a huge or non-UTF-8 labels file is refused before it is read whole; a folder
 * holding an image whose header promises 40000x40000 pixels is packed without it, the reason counted.
 */
class ImageFilesFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static final byte[] LABELS = ("# path<TAB>labels\na.png\tcat,dog\nsub/b.png\t3\n"
            + "c.png, 7; cat\n").getBytes(StandardCharsets.UTF_8);

    @BeforeContainer
    static void images() throws IOException {
        root = Files.createTempDirectory("imagefiles-fuzz");
        TestData.png(root.resolve("a.png"), 12, 12, 1);
        TestData.png(root.resolve("sub/b.png"), 12, 12, 2);
        TestData.png(root.resolve("c.png"), 12, 12, 3);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Property(tries = 300, seed = "19501")
    void mutatedLabelsFilesAreParsedOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m) throws IOException {
        Path file = root.resolve("labels.tsv");
        Files.write(file, Fuzz.apply(LABELS, m, LABELS.length));
        Fuzz.readOrRefused(file, m, () -> ImageFiles.labelsFile(file, 16, 3, null));
    }

    @Property(tries = 3, seed = "19502")
    void theUnmutatedLabelsFileReads(@ForAll boolean unused) throws IOException {
        Path file = root.resolve("ok.tsv");
        Files.write(file, LABELS);
        ImageFiles images = ImageFiles.labelsFile(file, 16, 3, null);
        assertEquals(3, images.count());
        assertEquals(List.of("3", "7", "cat", "dog"), images.classNames());
        DataFuzzSupport.touchAll(images);
    }

    @Property(tries = 1, seed = "19503")
    void aSparseMultiGigabyteLabelsFileIsRefusedUnread(@ForAll boolean unused) throws IOException {
        Path file = root.resolve("huge.tsv");
        Files.write(file, LABELS);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(3L << 30);   // sparse: no disk; the old reader took it whole with readAllLines
        }
        long before = Fuzz.allocated();
        BadInputException e = assertThrows(BadInputException.class, () -> ImageFiles.labelsFile(file, 16, 3, null));
        assertTrue(Fuzz.allocated() - before < 16 << 20);
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("text_bytes"), e.getMessage());
        Files.delete(file);
    }

    @Property(tries = 1, seed = "19504")
    void aFolderImagePromising40000x40000PixelsIsSkippedAndCounted(@ForAll boolean unused) throws IOException {
        Path folder = root.resolve("folder");
        TestData.png(folder.resolve("x/good.png"), 16, 16, 4);
        Path valid = root.resolve("tmp.png");
        TestData.png(valid, 10, 12, 5);
        Files.write(folder.resolve("x/huge.png"),
                PngHeaders.withIhdr(Files.readAllBytes(valid), 40_000, 40_000, 0));
        Path out = root.resolve("folder.bgpack");
        long before = Fuzz.allocated();
        Packer.Summary summary = Packer.pack(DataSources.open(folder, DataOptions.defaults().withResolution(16)), out,
                folder.toString(), 1, false);
        assertTrue(Fuzz.allocated() - before < 64 << 20, "no raster was allocated for the huge header");
        assertEquals(1, summary.count());
        assertEquals(Map.of("too-large", 1), summary.skipped());
    }
}
