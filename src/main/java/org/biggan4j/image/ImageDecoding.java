package org.biggan4j.image;

import org.biggan4j.io.InputLimits;

import java.io.EOFException;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes image files (JPEG, PNG, BMP, GIF: whatever {@link ImageIO} reads) into
 * {@link ImageBytes}, and converts between {@link BufferedImage} and CHW bytes.
 *
 * <p>Colour handling: grayscale, palette and 16-bit images become 8-bit RGB (or stay gray when one
 * channel is asked for); an alpha channel is dropped, keeping the colour as stored (as PIL's
 * {@code convert("RGB")} does). Gray rasters are read as stored, not through Java's linear-gray
 * colour conversion (which would brighten them). RGB to gray uses ITU-R 601-2 luma
 * ({@code 0.299 R + 0.587 G + 0.114 B}), as PIL's {@code "L"} mode does. CMYK JPEGs go through
 * Java's CMYK-to-sRGB conversion where the JDK's reader accepts them (JDK 9 and later do for
 * common files); any it rejects are reported as unreadable (reason {@code cmyk}) with the fix.
 *
 * <p>ImageIO returns a partly grey image for a truncated JPEG and only emits a warning; this class
 * listens for reader warnings and treats them as a truncated file, so such images are skipped
 * rather than trained on.
 */
public final class ImageDecoding {

    private ImageDecoding() {
    }

    /**
     * Decodes {@code file} into {@code channels} (1 or 3) channels at its own size.
     *
     * @throws UnreadableImageException for a missing, corrupt, truncated or unsupported file
     */
    public static ImageBytes read(Path file, int channels) {
        return fromBufferedImage(readBufferedImage(file), channels);
    }

    /** Decodes {@code file} with ImageIO, turning every failure into an {@link UnreadableImageException}. */
    public static BufferedImage readBufferedImage(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UnreadableImageException("missing", "Image " + file + " does not exist.",
                    new NoSuchFileException(file.toString()));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new UnreadableImageException("unsupported", "Image " + file + " cannot be opened.", null);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException("unsupported", "Image " + file
                        + " is not in a format ImageIO reads (JPEG, PNG, BMP, GIF).", null);
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                checkSize(file, reader);
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new UnreadableImageException("truncated", "Image " + file + " is damaged or truncated ("
                            + oneLine(warnings.get(0)) + ").", null);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (UnreadableImageException e) {
            throw e;
        } catch (IIOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("Unsupported Image Type") || message.toLowerCase().contains("cmyk")) {
                throw new UnreadableImageException("cmyk", "Image " + file + " is a CMYK/YCCK JPEG, which ImageIO "
                        + "cannot decode: convert it to RGB (for example: convert in.jpg -colorspace sRGB out.jpg).", e);
            }
            throw new UnreadableImageException("corrupt", "Image " + file + " is corrupt (" + oneLine(message) + ").", e);
        } catch (IOException | RuntimeException e) {
            // Decoders throw assorted runtime exceptions (IndexOutOfBounds, IllegalArgument) on bad bytes.
            String kind = e instanceof EOFException ? "truncated" : "corrupt";
            throw new UnreadableImageException(kind, "Image " + file + " is " + kind + " (" + oneLine(e.toString()) + ").", e);
        }
    }

    /**
     * Refuses an image whose header promises more pixels than {@link InputLimits#imagePixels()}
     * before the decoder allocates its raster: a 100-byte PNG can declare 40000x40000 pixels
     * (6.4 GB decoded). The readers of ImageIO take the size from the header (IHDR, SOF, BMP and
     * GIF headers) without decoding the pixels.
     */
    private static void checkSize(Path file, ImageReader reader) throws IOException {
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width <= 0 || height <= 0) {
            throw new UnreadableImageException("corrupt", "Image " + file + " declares a size of " + width + "x" + height
                    + " pixels; the file is damaged.", null);
        }
        long limit = InputLimits.current().imagePixels();
        if (width * height > limit) {
            throw new UnreadableImageException("too-large", "Image " + file + " declares " + width + "x" + height
                    + " pixels, over the limit of " + InputLimits.human(limit) + "; if the image is genuine, raise the"
                    + " limit with -D" + InputLimits.PREFIX + "image_pixels=N (in BIGGAN4J_JAVA_OPTS).", null);
        }
    }

    /** The pixels of {@code image} as CHW bytes with {@code channels} (1 or 3) channels. */
    public static ImageBytes fromBufferedImage(BufferedImage image, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("Images are read with 1 or 3 channels, got " + channels + ".");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int plane = w * h;
        byte[] out = new byte[channels * plane];
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        boolean component = cm instanceof ComponentColorModel;
        int csType = cm.getColorSpace().getType();
        int bits = cm.getComponentSize(0);
        if (component && csType == ColorSpace.TYPE_GRAY && bits <= 16) {
            // Gray (+ optional alpha): read the stored samples, not Java's linear-gray conversion.
            int[] gray = raster.getSamples(0, 0, w, h, 0, new int[plane]);
            int max = (1 << bits) - 1;
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < plane; p++) {
                    out[c * plane + p] = (byte) scale(gray[p], max);
                }
            }
            return new ImageBytes(channels, h, w, out);
        }
        int[] r;
        int[] g;
        int[] b;
        if (component && cm.getColorSpace().isCS_sRGB() && raster.getNumBands() >= 3 && bits <= 16) {
            int max = (1 << bits) - 1;
            r = raster.getSamples(0, 0, w, h, 0, new int[plane]);
            g = raster.getSamples(0, 0, w, h, 1, new int[plane]);
            b = raster.getSamples(0, 0, w, h, 2, new int[plane]);
            if (max != 255) {
                for (int p = 0; p < plane; p++) {
                    r[p] = scale(r[p], max);
                    g[p] = scale(g[p], max);
                    b[p] = scale(b[p], max);
                }
            }
        } else {
            // Palette, packed and other colour models: Java converts to sRGB.
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            r = new int[plane];
            g = new int[plane];
            b = new int[plane];
            for (int p = 0; p < plane; p++) {
                r[p] = (argb[p] >>> 16) & 0xFF;
                g[p] = (argb[p] >>> 8) & 0xFF;
                b[p] = argb[p] & 0xFF;
            }
        }
        if (channels == 3) {
            for (int p = 0; p < plane; p++) {
                out[p] = (byte) r[p];
                out[plane + p] = (byte) g[p];
                out[2 * plane + p] = (byte) b[p];
            }
        } else {
            for (int p = 0; p < plane; p++) {
                out[p] = (byte) luma(r[p], g[p], b[p]);
            }
        }
        return new ImageBytes(channels, h, w, out);
    }

    /** ITU-R 601-2 luma of an 8-bit RGB triple, rounded. */
    public static int luma(int r, int g, int b) {
        return (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }

    /** A CHW image as a {@link BufferedImage} ({@code TYPE_BYTE_GRAY} for one channel, {@code TYPE_INT_RGB} for three). */
    public static BufferedImage toBufferedImage(ImageBytes image) {
        int w = image.width();
        int h = image.height();
        int plane = w * h;
        byte[] chw = image.chw();
        if (image.channels() == 1) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            out.getRaster().setDataElements(0, 0, w, h, chw.clone());
            return out;
        }
        int[] rgb = new int[plane];
        for (int p = 0; p < plane; p++) {
            rgb[p] = (chw[p] & 0xFF) << 16 | (chw[plane + p] & 0xFF) << 8 | (chw[2 * plane + p] & 0xFF);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("\\p{Cntrl}+", " ");
    }

    private static int scale(int value, int max) {
        return max == 255 ? value : (int) Math.round(value * 255.0 / max);
    }
}
