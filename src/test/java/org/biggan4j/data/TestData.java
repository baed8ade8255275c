package org.biggan4j.data;

import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ImageDecoding;
import org.biggan4j.image.PngFiles;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** Synthetic fixtures: image files, idx and CIFAR files written by the tests themselves. */
final class TestData {

    private TestData() {
    }

    static ImageBytes randomImage(int channels, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[channels * h * w];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return new ImageBytes(channels, h, w, b);
    }

    static ImageBytes png(Path file, int h, int w, long seed) {
        ImageBytes im = randomImage(3, h, w, seed);
        PngFiles.write(im, file);
        return im;
    }

    static void jpeg(Path file, int h, int w, long seed) {
        try {
            Files.createDirectories(file.getParent());
            ImageIO.write(ImageDecoding.toBufferedImage(randomImage(3, h, w, seed)), "jpg", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JPEG cut in half. */
    static void truncatedJpeg(Path file) throws IOException {
        jpeg(file, 40, 40, 99);
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, b.length / 2));
    }

    /** An idx pair {@code prefix-images-idx3-ubyte[.gz]} + labels with {@code n} images of {@code side}. */
    static void idx(Path dir, String prefix, int n, int side, int labelCount, int classes, boolean gzip)
            throws IOException {
        ByteBuffer images = ByteBuffer.allocate(16 + n * side * side);
        images.putInt(0x803).putInt(n).putInt(side).putInt(side);
        for (int i = 0; i < n * side * side; i++) {
            images.put((byte) (i * 7 + i / (side * side)));
        }
        ByteBuffer labels = ByteBuffer.allocate(8 + labelCount);
        labels.putInt(0x801).putInt(labelCount);
        for (int i = 0; i < labelCount; i++) {
            labels.put((byte) (i % classes));
        }
        String suffix = gzip ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), images.array(), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), labels.array(), gzip);
    }

    static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!gzip) {
            Files.write(file, bytes);
            return;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(buf)) {
            out.write(bytes);
        }
        Files.write(file, buf.toByteArray());
    }

    /**
     * A CIFAR batch of {@code n} records with {@code labelBytes} label bytes; image i has every
     * pixel of channel c equal to {@code (i + 3 c) % 256} and fine label {@code i % classes}.
     */
    static void cifar(Path file, int n, int labelBytes, int classes) throws IOException {
        int record = labelBytes + 3072;
        byte[] b = new byte[n * record];
        for (int i = 0; i < n; i++) {
            int off = i * record;
            if (labelBytes == 2) {
                b[off] = (byte) (i % 20); // coarse label
            }
            b[off + labelBytes - 1] = (byte) (i % classes);
            for (int c = 0; c < 3; c++) {
                Arrays.fill(b, off + labelBytes + c * 1024, off + labelBytes + (c + 1) * 1024, (byte) (i + 3 * c));
            }
        }
        write(file, b, false);
    }
}
