package org.biggan4j.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.Fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Mutated idx files, raw and gzipped (issue 19): a correct read or a one-line refusal naming the
 * file, never another exception, an {@link Error} or an allocation the file only claims.
 */
class IdxFilesFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static byte[] images;
    private static byte[] labels;
    private static byte[] bundledImages;

    @BeforeContainer
    static void validFiles() throws IOException {
        root = Files.createTempDirectory("idx-fuzz");
        Path valid = root.resolve("valid");
        TestData.idx(valid, "train", 6, 8, 6, 3, false);
        images = Files.readAllBytes(valid.resolve("train-images-idx3-ubyte"));
        labels = Files.readAllBytes(valid.resolve("train-labels-idx1-ubyte"));
        try (InputStream in = new GZIPInputStream(IdxFiles.class.getResourceAsStream(
                DataSources.BUNDLED_FASHION_MNIST + "t10k-images-idx3-ubyte.gz"))) {
            bundledImages = in.readAllBytes();
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Property(tries = 300, seed = "19101")
    void mutatedIdxPairsAreReadOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m, @ForAll boolean mutateLabels,
                                                  @ForAll boolean gzip, @ForAll boolean mutateCompressed)
            throws IOException {
        Path dir = Files.createDirectories(root.resolve("m"));
        byte[] im = images;
        byte[] lab = labels;
        if (gzip && mutateCompressed) {
            // Damage the gzip stream itself (CRC, lengths, truncation inside deflate blocks).
            im = mutateLabels ? gzip(im) : Fuzz.apply(gzip(im), m, 32);
            lab = mutateLabels ? Fuzz.apply(gzip(lab), m, 32) : gzip(lab);
        } else {
            im = mutateLabels ? im : Fuzz.apply(im, m, 16);
            lab = mutateLabels ? Fuzz.apply(lab, m, 8) : lab;
            if (gzip) {
                im = gzip(im);
                lab = gzip(lab);
            }
        }
        String suffix = gzip ? ".gz" : "";
        Files.write(dir.resolve("train-images-idx3-ubyte" + suffix), im);
        Files.write(dir.resolve("train-labels-idx1-ubyte" + suffix), lab);
        try {
            Fuzz.readOrRefused(dir, m, () -> DataFuzzSupport.touchAll(
                    IdxFiles.read(IdxFiles.pairs(dir), null, dir.toString())));
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    /** The bundled Fashion-MNIST t10k images with a damaged header, beside their own labels. */
    @Property(tries = 40, seed = "19102")
    void mutatedFashionMnistHeadersAreReadOrRefused(@ForAll("mutations") Fuzz.Mutation m) throws IOException {
        Path dir = Files.createDirectories(root.resolve("f"));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), Fuzz.apply(bundledImages, m, 16));
        try (InputStream in = IdxFiles.class.getResourceAsStream(
                DataSources.BUNDLED_FASHION_MNIST + "t10k-labels-idx1-ubyte.gz")) {
            Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), in.readAllBytes());
        }
        try {
            Fuzz.readOrRefused(dir, m, () -> IdxFiles.read(IdxFiles.pairs(dir), null, dir.toString()));
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    @Property(tries = 5, seed = "19103")
    void theUnmutatedPairReads(@ForAll boolean gzip) throws IOException {
        Path dir = Files.createDirectories(root.resolve("ok"));
        String suffix = gzip ? ".gz" : "";
        Files.write(dir.resolve("train-images-idx3-ubyte" + suffix), gzip ? gzip(images) : images);
        Files.write(dir.resolve("train-labels-idx1-ubyte" + suffix), gzip ? gzip(labels) : labels);
        try {
            ArrayImages a = IdxFiles.read(IdxFiles.pairs(dir), null, dir.toString());
            assertEquals(6, a.count());
            assertEquals(8, a.resolution());
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(buf)) {
            out.write(bytes);
        }
        return buf.toByteArray();
    }
}
