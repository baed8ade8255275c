package org.biggan4j.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns what a user types into class ids: ids ({@code 3}, {@code 0-9}) and class names, matched
 * without regard to case, first exactly, then as the unique class whose name contains the text
 * (so {@code "retriever"} is ambiguous among ImageNet's retrievers, {@code "golden retriever"} is
 * not). Unknown or ambiguous names fail with one line listing candidates.
 */
public final class ClassSelection {

    private ClassSelection() {
    }

    /**
     * @param ids   comma-separated ids or id ranges {@code a-b}, may be null
     * @param names class names, one per element (names may contain commas), may be null
     * @param known the model's class names (index = id); may be shorter than {@code classCount}
     * @return the selected ids in the order given (ids first, then names)
     */
    public static List<Integer> parse(String ids, List<String> names, List<String> known, int classCount) {
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
                out.add(byName(name, known));
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

    private static int byName(String name, List<String> known) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        if (known.isEmpty()) {
            throw new IllegalArgumentException("This generator's checkpoint has no class names: give ids with --classes.");
        }
        for (int i = 0; i < known.size(); i++) {
            if (known.get(i).toLowerCase(Locale.ROOT).equals(wanted)) {
                return i;
            }
        }
        List<Integer> partial = new ArrayList<>();
        for (int i = 0; i < known.size(); i++) {
            if (known.get(i).toLowerCase(Locale.ROOT).contains(wanted)) {
                partial.add(i);
            }
        }
        if (partial.size() == 1) {
            return partial.get(0);
        }
        if (partial.isEmpty()) {
            throw new IllegalArgumentException("No class is called '" + name + "'. Classes: "
                    + preview(known, List.of()) + ".");
        }
        throw new IllegalArgumentException("'" + name + "' matches several classes: " + preview(known, partial)
                + ". Give more of the name or the id.");
    }

    private static String preview(List<String> known, List<Integer> subset) {
        List<String> shown = new ArrayList<>();
        int n = subset.isEmpty() ? known.size() : subset.size();
        for (int k = 0; k < Math.min(n, 12); k++) {
            int i = subset.isEmpty() ? k : subset.get(k);
            shown.add(i + " '" + known.get(i) + "'");
        }
        return String.join(", ", shown) + (n > 12 ? ", ... (" + n + " in all)" : "");
    }
}
