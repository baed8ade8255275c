package org.biggan4j.data;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.train.SessionFactory;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code data.subset_per_class}: N images of every class, the same for the same seed. */
class SubsetImagesTest {

    /** 3 classes of 1x1 images with 10, 7 and 12 members, each image's pixel its own index. */
    private static ArrayImages data() {
        int[] sizes = {10, 7, 12};
        int n = Arrays.stream(sizes).sum();
        byte[] pixels = new byte[n];
        int[] labels = new int[n];
        int i = 0;
        for (int c = 0; c < sizes.length; c++) {
            for (int k = 0; k < sizes[c]; k++) {
                labels[i] = c;
                i++;
            }
        }
        // Interleave the classes so that a draw by position alone would not give equal counts.
        for (int k = 0; k < n; k++) {
            pixels[k] = (byte) k;
        }
        int[] shuffled = new int[n];
        for (int k = 0; k < n; k++) {
            shuffled[k] = labels[(k * 7) % n];
        }
        return new ArrayImages(pixels, shuffled, 1, 1, List.of("a", "b", "c"), "three classes");
    }

    @Test
    void drawsExactlyNOfEveryClassAndReadsThoseImages() {
        ArrayImages all = data();
        SubsetImages subset = SubsetImages.perClass(all, 5, 42);
        assertEquals(15, subset.count());
        int[] counts = new int[3];
        int[] indices = subset.indices();
        for (int i = 0; i < subset.count(); i++) {
            counts[subset.label(i)]++;
            assertEquals(all.label(indices[i]), subset.label(i));
            assertArrayEquals(all.image(indices[i]), subset.image(i), "image " + i + " is the chosen one");
        }
        assertArrayEquals(new int[] {5, 5, 5}, counts);
        assertEquals(15, Arrays.stream(indices).distinct().count(), "drawn without replacement");
        assertTrue(subset.description().contains("5 images per class"), subset.description());
    }

    @Test
    void theSameSeedGivesTheSameSubsetAndAnotherSeedAnother() {
        assertArrayEquals(SubsetImages.perClass(data(), 5, 42).indices(), SubsetImages.perClass(data(), 5, 42).indices());
        assertFalse(Arrays.equals(SubsetImages.perClass(data(), 5, 42).indices(),
                SubsetImages.perClass(data(), 5, 43).indices()));
        // The whole smallest class is every one of its images whatever the seed.
        SubsetImages full = SubsetImages.perClass(data(), 7, 1);
        assertEquals(7, Arrays.stream(full.indices()).filter(i -> data().label(i) == 1).count());
    }

    @Test
    void moreThanTheSmallestClassIsOneLineNamingTheKeyAndTheClass() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SubsetImages.perClass(data(), 8, 0));
        assertTrue(e.getMessage().contains("data.subset_per_class=8 is more than the 7 images of class 'b'"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void theTrainingDataOfARunIsTheSubsetDrawnFromItsSeed() {
        var config = ConfigLoader.load("fmnist-demo", List.of("data.subset_per_class=3", "seed=8"));
        LabelledImages a = SessionFactory.openData(config);
        LabelledImages b = SessionFactory.openData(config);
        assertEquals(30, a.count());
        assertArrayEquals(((SubsetImages) a).indices(), ((SubsetImages) b).indices(), "same subset on every open");
        assertTrue(SessionFactory.openAllData(config).count() >= 10_000, "the full data stays available");
    }
}
