package org.biggan4j.sample;

import org.biggan4j.data.IdxFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassSelectionTest {

    private static final ClassNames IMAGENET = ClassNames.imageNet();
    private static final ClassNames FASHION = ClassNames.of(IdxFiles.FASHION_MNIST_CLASSES);

    @Test
    void imageNetNamesSynonymsAndWordNetIdsAnyCase() {
        assertEquals(List.of(207), imageNet("golden retriever"));
        assertEquals(List.of(207), imageNet("GOLDEN RETRIEVER"));
        assertEquals(List.of(207), imageNet("  Golden Retriever "));
        assertEquals(List.of(207), imageNet("n02099601"));
        assertEquals(List.of(207), imageNet("N02099601"));
        assertEquals(List.of(0), imageNet("Tinca tinca"), "a later synonym");
        assertEquals(List.of(639), imageNet("tank suit"));
        assertEquals(List.of(999), imageNet("toilet paper"));
        assertEquals(List.of(409), imageNet("analog"), "a unique part of a synonym");
    }

    @Test
    void anExactNameOfSeveralClassesNeedsTheId() {
        String crane = failure(() -> imageNet("crane"));
        assertTrue(crane.contains("134 'crane' (n02012849)") && crane.contains("517 'crane' (n03126707)"), crane);
        assertTrue(crane.contains("Give the id"), crane);
        assertEquals(1, crane.lines().count(), "one line");
        String maillot = failure(() -> imageNet("Maillot"));
        assertTrue(maillot.contains("638 'maillot'") && maillot.contains("639 'maillot, tank suit'"), maillot);
        // An exact match wins over classes that merely contain the text: "bee" is also inside "bee eater",
        // the beetles and "beer bottle".
        assertEquals(List.of(309), imageNet("bee"));
    }

    @Test
    void partOfSeveralNamesIsAmbiguousAndUnknownNamesAreRejected() {
        String retriever = failure(() -> imageNet("retriever"));
        assertTrue(retriever.contains("matches several classes"), retriever);
        for (int id = 205; id <= 209; id++) {
            assertTrue(retriever.contains(id + " '"), id + " in " + retriever);
        }
        assertTrue(retriever.contains("Give more of the name or the id"), retriever);
        String unknown = failure(() -> imageNet("hippogriff"));
        assertTrue(unknown.startsWith("No class is called 'hippogriff'"), unknown);
        assertTrue(unknown.contains("0 'tench' (n01440764)") && unknown.contains("(1000 in all)"), unknown);
    }

    @Test
    void aVeryLongNameIsRefusedInAShortLine() {
        // Issue 19: a megabyte-long --class was echoed whole into the error line.
        String message = failure(() -> ClassSelection.parse(null, List.of("x".repeat(3_000_000)), IMAGENET, 1000));
        assertTrue(message.contains("3000000 characters") && message.length() < 300, message.length() + " characters");
    }

    @Test
    void blankNamesAreRejected() {
        for (String blank : new String[] {"", "   "}) {
            String message = failure(() -> ClassSelection.parse(null, List.of(blank), IMAGENET, 1000));
            assertTrue(message.contains("class name is blank"), message);
        }
    }

    @Test
    void datasetNamesFromTheHeader() {
        assertEquals(List.of(0, 1, 9, 7), ClassSelection.parse(null, List.of("T-shirt/top", "trouser", "boot", "SNEAKER"),
                FASHION, 10));
        String several = failure(() -> ClassSelection.parse(null, List.of("s"), FASHION, 10));
        assertTrue(several.contains("matches several classes") && several.contains("7 'Sneaker'"), several);
        String none = failure(() -> ClassSelection.parse(null, List.of("hat"), FASHION, 10));
        assertTrue(none.contains("No class is called 'hat'") && none.contains("1 'Trouser'"), none);
        String unnamed = failure(() -> ClassSelection.parse(null, List.of("cat"), ClassNames.none(), 10));
        assertTrue(unnamed.contains("has no class names: give ids with --classes"), unnamed);
    }

    @Test
    void idsAndRangesComeFirstInTheOrderGiven() {
        assertEquals(List.of(3, 5, 0, 1, 2, 8), ClassSelection.parse("3, 5,0-2", List.of("bag"), FASHION, 10));
        assertEquals(List.of(998, 999), ClassSelection.parse("998-999", null, IMAGENET, 1000));
        assertEquals(List.of(), ClassSelection.parse(null, null, FASHION, 10));
        assertEquals(List.of(), ClassSelection.parse(" ", List.of(), FASHION, 10));
        String backwards = failure(() -> ClassSelection.parse("5-2", null, FASHION, 10));
        assertEquals("Class range '5-2' runs backwards: write 2-5.", backwards);
        String range = failure(() -> ClassSelection.parse("12", null, FASHION, 10));
        assertEquals("Class id 12 is out of range: this generator has classes 0 to 9.", range);
        String negative = failure(() -> ClassSelection.parse("-1", null, FASHION, 10));
        assertTrue(negative.contains("out of range"), negative);
        String word = failure(() -> ClassSelection.parse("sneaker", null, FASHION, 10));
        assertTrue(word.contains("'sneaker' is not a class id") && word.contains("--class NAME"), word);
    }

    @Test
    void anUnconditionalGeneratorTakesNoClasses() {
        String ids = failure(() -> ClassSelection.parse("0", null, ClassNames.none(), 0));
        assertTrue(ids.contains("unconditional"), ids);
        String names = failure(() -> ClassSelection.parse(null, List.of("tench"), IMAGENET, 0));
        assertTrue(names.contains("unconditional"), names);
        assertEquals(List.of(), ClassSelection.parse(null, null, ClassNames.none(), 0));
    }

    private static List<Integer> imageNet(String name) {
        return ClassSelection.parse(null, List.of(name), IMAGENET, 1000);
    }

    private static String failure(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }
}
