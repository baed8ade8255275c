package org.biggan4j.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns what a user types into class ids: ids ({@code 3}, {@code 0-9}) and class names. A name is
 * matched without regard to case, first exactly against every synonym and WordNet id of every
 * class (an exact match must be unique: ImageNet has two "crane"s, a bird and a machine, and two
 * "maillot"s, and those need the id), then as the unique class one of whose synonyms contains the
 * text (so {@code "retriever"} is ambiguous among ImageNet's retrievers, {@code "golden retriever"}
 * is not). Blank, unknown or ambiguous names fail with one line listing candidates with their ids.
 */
public final class ClassSelection {

    /** Longer than every synonym list of ImageNet's classes (the longest is under 200 characters). */
    static final int MAX_NAME = 1000;

    private ClassSelection() {
    }

    /**
     * @param ids   comma-separated ids or id ranges {@code a-b}, may be null
     * @param names class names, one per element (names may contain commas), may be null
     * @param known the model's class names (index = id); may be shorter than {@code classCount}, or empty
     * @return the selected ids in the order given (ids first, then names)
     */
    public static List<Integer> parse(String ids, List<String> names, ClassNames known, int classCount) {
        if (classCount == 0 && ((ids != null && !ids.isBlank()) || (names != null && !names.isEmpty()))) {
            throw new IllegalArgumentException("This generator is unconditional: leave out --classes and --class.");
        }
        List<Integer> out = new ArrayList<>();
        if (ids != null && !ids.isBlank()) {
            for (String token : ids.split(",")) {
                String t = token.trim();
                int dash = t.indexOf('-', 1);
                if (dash > 0) {
                    int from = id(t.substring(0, dash), classCount);
                    int to = id(t.substring(dash + 1), classCount);
                    if (to < from) {
                        throw new IllegalArgumentException("Class range '" + t + "' runs backwards: write " + to + "-"
                                + from + ".");
                    }
                    for (int c = from; c <= to; c++) {
                        out.add(c);
                    }
                } else {
                    out.add(id(t, classCount));
                }
            }
        }
        if (names != null) {
            for (String name : names) {
                out.add(byName(name, known, classCount));
            }
        }
        return out;
    }

    private static int id(String text, int classCount) {
        int id;
        try {
            id = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a class id: use numbers in --classes and names "
                    + "with --class NAME.");
        }
        if (id < 0 || id >= classCount) {
            throw new IllegalArgumentException("Class id " + id + " is out of range: this generator has classes 0 to "
                    + (classCount - 1) + ".");
        }
        return id;
    }

    private static int byName(String name, ClassNames known, int classCount) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A class name is blank: give --class NAME with a name, or ids with "
                    + "--classes.");
        }
        if (name.length() > MAX_NAME) {
            // Echoing a megabyte-long argument would make the one-line error unreadable.
            throw new IllegalArgumentException("A class name of " + name.length() + " characters ('"
                    + name.substring(0, 40) + "...') is longer than any class name (at most " + MAX_NAME
                    + "); give a name such as 'golden retriever', or ids with --classes.");
        }
        if (known.isEmpty()) {
            throw new IllegalArgumentException("This generator's checkpoint has no class names: give ids with --classes.");
        }
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        int named = Math.min(known.size(), classCount);
        List<Integer> exact = new ArrayList<>();
        List<Integer> partial = new ArrayList<>();
        for (int i = 0; i < named; i++) {
            boolean isExact = known.wnid(i).map(w -> w.toLowerCase(Locale.ROOT).equals(wanted)).orElse(false);
            boolean isPartial = false;
            for (String synonym : known.synonyms(i)) {
                String s = synonym.toLowerCase(Locale.ROOT);
                isExact |= s.equals(wanted);
                isPartial |= s.contains(wanted);
            }
            if (isExact) {
                exact.add(i);
            }
            if (isPartial) {
                partial.add(i);
            }
        }
        if (exact.size() == 1) {
            return exact.get(0);
        }
        if (exact.size() > 1) {
            throw new IllegalArgumentException("'" + name + "' is the name of several classes: "
                    + preview(known, exact, true) + ". Give the id with --classes.");
        }
        if (partial.size() == 1) {
            return partial.get(0);
        }
        if (partial.isEmpty()) {
            List<Integer> first = new ArrayList<>();
            for (int i = 0; i < named; i++) {
                first.add(i);
            }
            throw new IllegalArgumentException("No class is called '" + name + "'. Classes: "
                    + preview(known, first, false) + ".");
        }
        throw new IllegalArgumentException("'" + name + "' matches several classes: " + preview(known, partial, true)
                + ". Give more of the name or the id.");
    }

    /**
     * Up to 12 of {@code ids} as {@code 639 'maillot, tank suit' (n03710721)} (all synonyms) or
     * {@code 639 'maillot' (n03710721)} (the label), with a count when there are more.
     */
    private static String preview(ClassNames known, List<Integer> ids, boolean synonyms) {
        List<String> shown = new ArrayList<>();
        for (int i : ids.subList(0, Math.min(ids.size(), 12))) {
            String names = synonyms ? String.join(", ", known.synonyms(i)) : known.label(i);
            shown.add(i + " '" + names + "'" + known.wnid(i).map(w -> " (" + w + ")").orElse(""));
        }
        return String.join(", ", shown) + (ids.size() > 12 ? ", ... (" + ids.size() + " in all)" : "");
    }
}
