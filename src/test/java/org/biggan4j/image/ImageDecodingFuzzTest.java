package org.biggan4j.image;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.Fuzz;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Mutated PNG, JPEG, BMP and GIF files (issue 19): decoding succeeds or throws an
 * {@link UnreadableImageException} naming the file in one line (which the loader and packer
 * count and skip); never another exception, never an {@link OutOfMemoryError} from a header
 * that promises more pixels than the file holds.
 */
class ImageDecodingFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static final Map<String, byte[]> VALID = new LinkedHashMap<>();

    @BeforeContainer
    static void validFiles() throws IOException {
        root = Files.createTempDirectory("image-fuzz");
        byte[] pixels = new byte[3 * 10 * 12];
        new SplittableRandom(19).nextBytes(pixels);
        ImageBytes image = new ImageBytes(3, 10, 12, pixels);
        for (String format : new String[] {"png", "jpg", "bmp", "gif"}) {
            Path p = root.resolve("valid." + format);
            if (format.equals("png")) {
                PngFiles.write(image, p);
            } else {
                ImageIO.write(ImageDecoding.toBufferedImage(image), format, p.toFile());
            }
            VALID.put(format, Files.readAllBytes(p));
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Provide
    Arbitrary<String> formats() {
        return Arbitraries.of("png", "jpg", "bmp", "gif");
    }

    @Property(tries = 300, seed = "19401")
    void mutatedImagesDecodeOrAreUnreadable(@ForAll("mutations") Fuzz.Mutation m, @ForAll("formats") String format)
            throws IOException {
        Path file = root.resolve("m." + format);
        Files.write(file, Fuzz.apply(VALID.get(format), m, 64));
        Fuzz.readOrRefused(file, format + " " + m, () -> ImageDecoding.read(file, 3));
    }

    /** PNG sizes from a hostile IHDR whose CRC is valid, so the decoder believes them. */
    @Property(tries = 100, seed = "19402")
    void hostilePngDimensionsAreRefusedFromTheHeader(@ForAll("dimensions") int width, @ForAll("dimensions") int height,
                                                     @ForAll boolean gray) throws IOException {
        Path file = root.resolve("ihdr.png");
        // Gray 8-bit is the cheapest raster per pixel: 40000x40000 is 1.6 GB, under Java's 2 GiB array cap.
        Files.write(file, PngHeaders.withIhdr(VALID.get("png"), width, height, gray ? 0 : 2));
        Fuzz.readOrRefused(file, width + "x" + height + (gray ? " gray" : " rgb"), () -> ImageDecoding.read(file, 3));
    }

    @Provide
    Arbitrary<Integer> dimensions() {
        return Arbitraries.of(0, 1, 12, -1, 20_000, 30_000, 40_000, 46_340, 65_535, Integer.MAX_VALUE, Integer.MIN_VALUE);
    }

    @Property(tries = 4, seed = "19403")
    void theUnmutatedImagesDecode(@ForAll("formats") String format) throws IOException {
        Path file = root.resolve("ok." + format);
        Files.write(file, VALID.get(format));
        ImageBytes im = ImageDecoding.read(file, 3);
        assertEquals(12, im.width());
        assertEquals(10, im.height());
    }
}
