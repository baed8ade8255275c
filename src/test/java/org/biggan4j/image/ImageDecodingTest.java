package org.biggan4j.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecodingTest {

    @TempDir
    Path dir;

    @Test
    void pngRoundTripsExactlyInGrayAndRgb() {
        ImageBytes rgb = AreaResizeTest.random(3, 9, 13, 1);
        PngFiles.write(rgb, dir.resolve("rgb.png"));
        assertArrayEquals(rgb.chw(), PngFiles.read(dir.resolve("rgb.png"), 3).chw());
        ImageBytes gray = AreaResizeTest.random(1, 7, 5, 2);
        PngFiles.write(gray, dir.resolve("gray.png"));
        // Stored gray levels, not Java's linear-gray conversion.
        assertArrayEquals(gray.chw(), PngFiles.read(dir.resolve("gray.png"), 1).chw());
        // Gray read as RGB: three equal planes.
        byte[] asRgb = PngFiles.read(dir.resolve("gray.png"), 3).chw();
        assertArrayEquals(gray.chw(), Arrays.copyOfRange(asRgb, 35, 70));
        // RGB read as gray: ITU-R 601 luma.
        ImageBytes luma = PngFiles.read(dir.resolve("rgb.png"), 1);
        assertEquals(ImageDecoding.luma(rgb.get(0, 3, 4), rgb.get(1, 3, 4), rgb.get(2, 3, 4)), luma.get(0, 3, 4));
    }

    @Test
    void alphaIsDroppedKeepingTheColour() throws IOException {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80FF2010);
        argb.setRGB(1, 0, 0x00000000);
        Path file = dir.resolve("alpha.png");
        ImageIO.write(argb, "png", file.toFile());
        ImageBytes im = ImageDecoding.read(file, 3);
        assertEquals(0xFF, im.get(0, 0, 0));
        assertEquals(0x20, im.get(1, 0, 0));
        assertEquals(0x10, im.get(2, 0, 0));
    }

    @Test
    void corruptAndTruncatedFilesAreUnreadableNotFatal() throws IOException {
        Path garbage = dir.resolve("garbage.jpg");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThrows(UnreadableImageException.class, () -> ImageDecoding.read(garbage, 3));

        ImageBytes im = AreaResizeTest.random(3, 64, 64, 3);
        Path jpeg = dir.resolve("full.jpg");
        ImageIO.write(ImageDecoding.toBufferedImage(im), "jpg", jpeg.toFile());
        byte[] bytes = Files.readAllBytes(jpeg);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ImageDecoding.read(cut, 3));
        assertTrue(e.getMessage().contains("cut.jpg"), e.getMessage());

        Path png = dir.resolve("full.png");
        PngFiles.write(im, png);
        byte[] pngBytes = Files.readAllBytes(png);
        Path cutPng = dir.resolve("cut.png");
        Files.write(cutPng, Arrays.copyOf(pngBytes, pngBytes.length / 2));
        assertThrows(UnreadableImageException.class, () -> ImageDecoding.read(cutPng, 3));
        UnreadableImageException missing = assertThrows(UnreadableImageException.class,
                () -> ImageDecoding.read(dir.resolve("nope.png"), 3));
        assertEquals("missing", missing.reason());
    }

    @Test
    void cmykJpegsBecomeRgb() throws IOException {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 12, 10, 4, null);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 12; x++) {
                cmyk.setSample(x, y, 0, 200);
                cmyk.setSample(x, y, 3, 255);
            }
        }
        Path file = dir.resolve("cmyk.jpg");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        ImageBytes im = ImageDecoding.read(file, 3);
        assertEquals(3, im.channels());
        assertEquals(12, im.width());
        assertEquals(10, im.height());
        // A uniform CMYK image stays uniform in RGB (up to JPEG rounding).
        for (int c = 0; c < 3; c++) {
            assertTrue(Math.abs(im.get(c, 0, 0) - im.get(c, 9, 11)) <= 2);
        }
    }

    @Test
    void pngWritesLeaveNoTemporaryFiles() throws IOException {
        PngFiles.write(AreaResizeTest.random(3, 4, 4, 9), dir.resolve("sub/a.png"));
        try (var files = Files.list(dir.resolve("sub"))) {
            assertEquals(1, files.count());
        }
    }
}
