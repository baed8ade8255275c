package org.biggan4j.image;

import org.biggan4j.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading and writing single PNG files. Writes are atomic: the image goes to a temporary file
 * in the target folder, is flushed to disk, then renamed over the target, so a crash never
 * leaves a half-written PNG.
 */
public final class PngFiles {

    private PngFiles() {
    }

    /** The PNG bytes of {@code image}, as {@link #write} writes them (for answers over HTTP). */
    public static byte[] encode(ImageBytes image) throws IOException {
        return encode(ImageDecoding.toBufferedImage(image));
    }

    private static byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", png)) {
            throw new IOException("no PNG writer is available in this Java runtime");
        }
        return png.toByteArray();
    }

    /** Writes {@code image} to {@code out} as PNG, atomically; creates missing parent folders. */
    public static void write(BufferedImage image, Path out) {
        Path target = out.toAbsolutePath();
        try {
            Files.createDirectories(target.getParent());
            ByteBuffer bytes = ByteBuffer.wrap(encode(image));
            AtomicFiles.writeChannel(target, channel -> {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + out + ": " + e.getMessage(), e);
        }
    }

    /** Writes CHW bytes to {@code out} as an 8-bit gray or RGB PNG. */
    public static void write(ImageBytes image, Path out) {
        write(ImageDecoding.toBufferedImage(image), out);
    }

    /**
     * Reads a PNG (or any ImageIO format) into {@code channels} (1 or 3) channels.
     *
     * @throws UnreadableImageException if the file is missing or cannot be decoded
     */
    public static ImageBytes read(Path file, int channels) {
        return ImageDecoding.read(file, channels);
    }
}
