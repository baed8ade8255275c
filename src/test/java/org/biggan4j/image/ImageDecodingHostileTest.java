package org.biggan4j.image;

import org.biggan4j.io.Fuzz;
import org.biggan4j.io.InputLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19's PNG whose header promises 40000x40000 pixels: refused from the header, nothing allocated. */
class ImageDecodingHostileTest {

    @TempDir
    Path dir;

    private Path hostilePng(int width, int height) throws IOException {
        Path valid = dir.resolve("valid.png");
        PngFiles.write(new ImageBytes(3, 10, 12, new byte[360]), valid);
        Path p = dir.resolve("huge.png");
        // Gray 8-bit: 1.6 GB decoded, small enough for one Java array, so only the header check stops it.
        Files.write(p, PngHeaders.withIhdr(Files.readAllBytes(valid), width, height, 0));
        return p;
    }

    @Test
    void aPngPromising40000x40000IsRefusedWithoutAllocating() throws IOException {
        Path p = hostilePng(40_000, 40_000);
        long before = Fuzz.allocated();
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ImageDecoding.read(p, 3));
        long allocated = Fuzz.allocated() - before;
        assertEquals("too-large", e.reason());
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("40000x40000")
                && e.getMessage().contains("biggan4j.limit.image_pixels"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        // Before the header check the decoder allocated the 1.6 GB raster first (and took seconds).
        assertTrue(allocated < 16 << 20, "allocated " + (allocated >> 20) + " MB");
    }

    @Test
    void theLimitIsConfigurable() throws IOException {
        Path p = hostilePng(300, 200);
        String before = System.getProperty(InputLimits.PREFIX + "image_pixels");
        System.setProperty(InputLimits.PREFIX + "image_pixels", "50000");
        try {
            UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ImageDecoding.read(p, 3));
            assertEquals("too-large", e.reason(), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(InputLimits.PREFIX + "image_pixels");
            } else {
                System.setProperty(InputLimits.PREFIX + "image_pixels", before);
            }
        }
        // Under the default limit the same header is only "damaged" (its pixel data is 12x10's).
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ImageDecoding.read(p, 3));
        assertFalse(e.reason().equals("too-large"), e.getMessage());
    }
}
