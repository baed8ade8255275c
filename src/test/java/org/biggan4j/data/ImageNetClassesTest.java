package org.biggan4j.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageNetClassesTest {

    @Test
    void listsTheThousandClassesInSortedWordNetOrder() {
        List<ImageNetClasses.Entry> all = ImageNetClasses.all();
        assertEquals(1000, all.size());
        Set<String> wnids = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
            ImageNetClasses.Entry e = all.get(i);
            assertEquals(i, e.id());
            assertTrue(e.wnid().matches("n\\d{8}"), e.wnid());
            assertTrue(wnids.add(e.wnid()), "duplicate " + e.wnid());
            if (i > 0) {
                assertTrue(all.get(i - 1).wnid().compareTo(e.wnid()) < 0, "sorted at " + i);
            }
            assertTrue(!e.synonyms().isEmpty() && e.synonyms().stream().noneMatch(String::isBlank), "names of " + i);
        }
        assertSame(all, ImageNetClasses.all(), "read once and kept");
    }

    @Test
    void spotIndicesMatchThePublishedOrder() {
        check(0, "n01440764", "tench", "Tinca tinca");
        check(134, "n02012849", "crane");
        check(207, "n02099601", "golden retriever");
        check(409, "n02708093", "analog clock");
        check(517, "n03126707", "crane");
        check(638, "n03710637", "maillot");
        check(639, "n03710721", "maillot", "tank suit");
        check(999, "n15075141", "toilet tissue", "toilet paper", "bathroom tissue");
        assertEquals("golden retriever", ImageNetClasses.get(207).label());
    }

    @Test
    void findsClassesByWordNetId() {
        assertEquals(207, ImageNetClasses.idOf("n02099601"));
        assertEquals(207, ImageNetClasses.idOf(" N02099601 "));
        assertEquals(0, ImageNetClasses.idOf("n01440764"));
        assertEquals(999, ImageNetClasses.idOf("n15075141"));
        assertEquals(-1, ImageNetClasses.idOf("n00000000"));
        assertThrows(IllegalArgumentException.class, () -> ImageNetClasses.get(1000));
    }

    @Test
    void rejectsADamagedListWithItsLine() {
        List<String> lines = new ArrayList<>(List.of("# header"));
        for (int i = 0; i < 1000; i++) {
            lines.add(i + "\tn" + String.format("%08d", 1_000_000 + i) + "\tname " + i + ", other " + i);
        }
        assertEquals(List.of("name 5", "other 5"), ImageNetClasses.parse(lines).get(5).synonyms());
        List<String> unsorted = new ArrayList<>(lines);
        unsorted.set(3, "2\tn00000001\tx");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ImageNetClasses.parse(unsorted));
        assertTrue(e.getMessage().contains("line 4") && e.getMessage().contains("sorted"), e.getMessage());
        List<String> short999 = lines.subList(0, 1000);
        e = assertThrows(IllegalStateException.class, () -> ImageNetClasses.parse(short999));
        assertTrue(e.getMessage().contains("999 classes"), e.getMessage());
    }

    private static void check(int id, String wnid, String... synonyms) {
        ImageNetClasses.Entry e = ImageNetClasses.get(id);
        assertEquals(wnid, e.wnid(), "wnid of " + id);
        assertEquals(List.of(synonyms), e.synonyms(), "names of " + id);
    }
}
