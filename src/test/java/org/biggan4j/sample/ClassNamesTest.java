package org.biggan4j.sample;

import org.biggan4j.data.IdxFiles;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassNamesTest {

    @Test
    void datasetNamesAreLabelsAsTheyAre() {
        ClassNames fashion = ClassNames.of(IdxFiles.FASHION_MNIST_CLASSES);
        assertEquals(10, fashion.size());
        assertEquals("T-shirt/top", fashion.label(0));
        assertEquals("Ankle boot", fashion.label(9));
        assertEquals(List.of("Trouser"), fashion.synonyms(1));
        assertEquals(Optional.empty(), fashion.wnid(1));
        assertEquals("class 10", fashion.label(10), "an id past the names");
        assertEquals(List.of(), fashion.synonyms(10));
    }

    @Test
    void datasetNamesThatAreImageNetWordNetIdsGetImageNetNames() {
        // An ImageNet folder tree (or a subset such as Imagenette) names its classes by wnid.
        ClassNames folders = ClassNames.of(List.of("n02099601", "n01440764", "n99999999", "cats"));
        assertEquals("golden retriever", folders.label(0));
        assertEquals(Optional.of("n02099601"), folders.wnid(0));
        assertEquals(List.of("tench", "Tinca tinca"), folders.synonyms(1));
        assertEquals("n99999999", folders.label(2), "not an ImageNet-1k class: kept as it is");
        assertEquals(Optional.empty(), folders.wnid(2));
        assertEquals("cats", folders.label(3));
    }

    @Test
    void aThousandClassGeneratorWithoutNamesIsNamedFromImageNet() {
        ClassNames names = ClassNames.forGenerator(List.of(), 1000);
        assertSame(ClassNames.imageNet(), names);
        assertEquals(1000, names.size());
        assertEquals("golden retriever", names.label(207));
        assertEquals(Optional.of("n02099601"), names.wnid(207));
        assertEquals(List.of("toilet tissue", "toilet paper", "bathroom tissue"), names.synonyms(999));
    }

    @Test
    void storedNamesWinAndOtherGeneratorsWithoutNamesHaveNone() {
        List<String> stored = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            stored.add("kind " + i);
        }
        assertEquals("kind 207", ClassNames.forGenerator(stored, 1000).label(207));
        ClassNames unnamed = ClassNames.forGenerator(List.of(), 10);
        assertTrue(unnamed.isEmpty());
        assertEquals("class 3", unnamed.label(3));
        assertTrue(ClassNames.forGenerator(List.of(), 0).isEmpty());
    }

    @Test
    void copiesTheNamesItIsGiven() {
        List<String> names = new ArrayList<>(List.of("cat", "dog"));
        ClassNames copy = ClassNames.of(names);
        names.set(0, "changed");
        assertEquals("cat", copy.label(0));
    }
}
