package org.biggan4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The 1000 ImageNet-1k (ILSVRC 2012) classes that ship with the project, in the standard index
 * order: the sorted WordNet ids, which is the order torchvision's and pytorch-pretrained-BigGAN's
 * 1000-class models use. A published 1000-class generator whose checkpoint carries no class names
 * is named from here.
 *
 * <p>The list is read from {@value #RESOURCE} on first use and kept; it is immutable.
 */
public final class ImageNetClasses {

    /** The classpath resource: {@code index <TAB> wnid <TAB> synonyms}, lines starting with {@code #} are comments. */
    public static final String RESOURCE = "/org/biggan4j/data/imagenet-1k-classes.tsv";

    /** Number of ImageNet-1k classes. */
    public static final int COUNT = 1000;

    private static final Pattern WNID = Pattern.compile("n\\d{8}");

    /**
     * One ImageNet class.
     *
     * @param id       index in the standard order, 0 to 999
     * @param wnid     WordNet id, e.g. {@code n02099601}
     * @param synonyms the names WordNet gives the class, most common first (e.g. "tench", "Tinca tinca")
     */
    public record Entry(int id, String wnid, List<String> synonyms) {

        public Entry {
            synonyms = List.copyOf(synonyms);
            if (synonyms.isEmpty()) {
                throw new IllegalArgumentException("ImageNet class " + id + " (" + wnid + ") has no name.");
            }
        }

        /** The first synonym, the label shown on sheets and in file names ("golden retriever"). */
        public String label() {
            return synonyms.get(0);
        }
    }

    private ImageNetClasses() {
    }

    /** All 1000 classes, element {@code i} being class {@code i}. */
    public static List<Entry> all() {
        return Holder.ENTRIES;
    }

    /** Class {@code id} (0 to 999). */
    public static Entry get(int id) {
        if (id < 0 || id >= COUNT) {
            throw new IllegalArgumentException("ImageNet class id " + id + " is out of range: ImageNet-1k has "
                    + "classes 0 to " + (COUNT - 1) + ".");
        }
        return Holder.ENTRIES.get(id);
    }

    /** The class with WordNet id {@code wnid} (case-insensitive), or -1 when ImageNet-1k has none. */
    public static int idOf(String wnid) {
        String w = wnid.trim().toLowerCase(Locale.ROOT);
        // The list is sorted by WordNet id (checked when it is read), so a binary search is exact.
        int lo = 0;
        int hi = COUNT - 1;
        List<Entry> entries = Holder.ENTRIES;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = entries.get(mid).wnid().compareTo(w);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    /** Lazy holder: the resource is read once, on first use (class initialisation is thread-safe). */
    private static final class Holder {
        static final List<Entry> ENTRIES = read();
    }

    private static List<Entry> read() {
        try (InputStream in = ImageNetClasses.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The ImageNet class list " + RESOURCE + " is missing from the "
                        + "classpath: the build is incomplete; rebuild biggan4j.");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the ImageNet class list " + RESOURCE + ": "
                    + e.getMessage(), e);
        }
    }

    /** Parses and checks the resource's lines; any defect is a packaging error, reported with its line. */
    static List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>(COUNT);
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t", -1);
            String where = RESOURCE + " line " + lineNo;
            if (cols.length != 3) {
                throw new IllegalStateException(where + " has " + cols.length + " tab-separated columns, not 3 (index, "
                        + "wnid, synonyms).");
            }
            int id;
            try {
                id = Integer.parseInt(cols[0].trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException(where + " starts with '" + cols[0] + "', not a class index.");
            }
            if (id != entries.size()) {
                throw new IllegalStateException(where + " is class " + id + " but class " + entries.size()
                        + " was expected: the list must be in index order.");
            }
            String wnid = cols[1].trim();
            if (!WNID.matcher(wnid).matches()) {
                throw new IllegalStateException(where + " has '" + wnid + "' where a WordNet id like n01440764 "
                        + "belongs.");
            }
            if (!entries.isEmpty() && entries.get(entries.size() - 1).wnid().compareTo(wnid) >= 0) {
                throw new IllegalStateException(where + ": WordNet id " + wnid + " is not after "
                        + entries.get(entries.size() - 1).wnid() + "; the standard order is the sorted ids.");
            }
            List<String> synonyms = new ArrayList<>();
            for (String s : cols[2].split(",")) {
                if (!s.isBlank()) {
                    synonyms.add(s.trim());
                }
            }
            entries.add(new Entry(id, wnid, synonyms));
        }
        if (entries.size() != COUNT) {
            throw new IllegalStateException(RESOURCE + " lists " + entries.size() + " classes, not " + COUNT + ".");
        }
        return List.copyOf(entries);
    }
}
