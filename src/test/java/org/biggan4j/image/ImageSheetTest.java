package org.biggan4j.image;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageSheetTest {

    @TempDir
    Path dir;

    @Test
    void tensorsBecomeAGridWithTilesInRowOrder() {
        try (PointerScope scope = new PointerScope()) {
            // 5 gray 2x3 images; image i is uniformly -1 + i * 0.5 -> byte round((v + 1) * 127.5).
            float[] v = new float[5 * 6];
            for (int i = 0; i < 5; i++) {
                Arrays.fill(v, i * 6, i * 6 + 6, -1f + i * 0.5f);
            }
            Path out = dir.resolve("sheet.png");
            ImageSheet.write(Tensors.fromFloats(v, ComputeDevice.CPU, 5, 1, 2, 3), out, 2, 1, List.of());
            ImageBytes sheet = PngFiles.read(out, 3);
            // 2 columns, 3 rows: width 1 + 2 * (3 + 1), height 1 + 3 * (2 + 1).
            assertEquals(9, sheet.width());
            assertEquals(10, sheet.height());
            for (int i = 0; i < 5; i++) {
                int x = 1 + (i % 2) * 4;
                int y = 1 + (i / 2) * 3;
                long expected = Math.round((i * 0.5) * 127.5);
                assertEquals(expected, sheet.get(0, y, x), "tile " + i);
                assertEquals(expected, sheet.get(2, y + 1, x + 2), "tile " + i);
            }
        }
    }

    @Test
    void rowLabelsWidenTheSheetAndMustMatchTheRows() {
        List<ImageBytes> images = List.of(AreaResizeTest.random(3, 8, 8, 1), AreaResizeTest.random(3, 8, 8, 2));
        BufferedImage plain = ImageSheet.grid(images, 1, 2, List.of());
        BufferedImage labelled = ImageSheet.grid(images, 1, 2, List.of("cat", "a long class name"));
        assertTrue(labelled.getWidth() > plain.getWidth());
        assertEquals(plain.getHeight(), labelled.getHeight());
        assertThrows(IllegalArgumentException.class, () -> ImageSheet.grid(images, 1, 2, List.of("one")));
    }

    @Test
    void aVeryLongClassNameIsElidedInsteadOfOverflowingTheSheet() {
        // Issue 19: a class name of millions of characters made width x height overflow an int
        // ("error: -865864976" from the raster's array); the label column is now capped.
        List<ImageBytes> images = List.of(AreaResizeTest.random(3, 8, 8, 1));
        BufferedImage labelled = ImageSheet.grid(images, 1, 2, List.of("x".repeat(5_000_000)));
        BufferedImage plain = ImageSheet.grid(images, 1, 2, List.of());
        assertTrue(labelled.getWidth() <= plain.getWidth() + ImageSheet.MAX_LABEL_WIDTH + 6, "width "
                + labelled.getWidth());
        assertTrue(labelled.getWidth() > plain.getWidth() + ImageSheet.MAX_LABEL_WIDTH / 2);
    }
}
