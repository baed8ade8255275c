package org.biggan4j.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.Fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Mutated packed files (issue 19): the header length, the JSON header's numbers (count, resolution,
 * channels, data offset, labels) and the data are damaged; a read serves every image or refuses
 * in one line naming the file.
 */
class PackedImagesFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static byte[] packed;
    private static int headerEnd;

    @BeforeContainer
    static void validFile() throws IOException {
        root = Files.createTempDirectory("packed-fuzz");
        TestData.idx(root.resolve("mnist"), "train", 5, 8, 5, 3, false);
        Path out = root.resolve("valid.bgpack");
        Packer.pack(DataSources.open(root.resolve("mnist"), DataOptions.defaults()), out, "mnist", 1, false);
        packed = Files.readAllBytes(out);
        headerEnd = PackedFormat.PREAMBLE + ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Property(tries = 300, seed = "19301")
    void mutatedPackedFilesAreReadOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m) throws IOException {
        Path file = root.resolve("m.bgpack");
        Files.write(file, Fuzz.apply(packed, m, headerEnd));
        Fuzz.readOrRefused(file, m, () -> DataFuzzSupport.touchAll(PackedImages.open(file)));
    }

    @Property(tries = 3, seed = "19302")
    void theUnmutatedFileReads(@ForAll boolean unused) throws IOException {
        Path file = root.resolve("ok.bgpack");
        Files.write(file, packed);
        PackedImages p = PackedImages.open(file);
        assertEquals(5, p.count());
        assertEquals(8, p.resolution());
    }
}
