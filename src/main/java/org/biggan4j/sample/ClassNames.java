package org.biggan4j.sample;

import org.biggan4j.data.ImageNetClasses;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The names a generator's classes answer to: for each id a primary label (shown on sheets and in
 * file names), the synonyms a user may type, and the WordNet id when the class is an ImageNet one.
 * Names come from the training data's header (stored in every checkpoint); a 1000-class generator
 * whose checkpoint has none (a published BigGAN) is named from the ImageNet-1k list that ships
 * with the project. Immutable.
 */
public final class ClassNames {

    /**
     * The names of one class.
     *
     * @param synonyms what the class is called, primary label first; never empty
     * @param wnid     the WordNet id, when known
     */
    public record Entry(List<String> synonyms, Optional<String> wnid) {

        public Entry {
            synonyms = List.copyOf(synonyms);
            if (synonyms.isEmpty()) {
                throw new IllegalArgumentException("A class needs at least one name.");
            }
        }

        /** The primary label. */
        public String label() {
            return synonyms.get(0);
        }
    }

    private static final ClassNames NONE = new ClassNames(List.of());

    private final List<Entry> entries;

    private ClassNames(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** No names: every class is "class N" and can only be chosen by id. */
    public static ClassNames none() {
        return NONE;
    }

    /** The 1000 ImageNet-1k classes with their synonyms and WordNet ids. */
    public static ClassNames imageNet() {
        return Holder.IMAGENET;
    }

    /**
     * Names from a dataset header, one per class id. A name that is an ImageNet WordNet id (an
     * ImageNet folder tree names its classes so) is given that class's synonyms, so "n02099601"
     * is labelled "golden retriever" and still answers to its wnid; other names are used as they are.
     */
    public static ClassNames of(List<String> datasetNames) {
        List<Entry> entries = new ArrayList<>(datasetNames.size());
        for (String name : datasetNames) {
            int imageNetId = name.matches("n\\d{8}") ? ImageNetClasses.idOf(name) : -1;
            if (imageNetId >= 0) {
                ImageNetClasses.Entry e = ImageNetClasses.get(imageNetId);
                entries.add(new Entry(e.synonyms(), Optional.of(e.wnid())));
            } else {
                entries.add(new Entry(List.of(name), Optional.empty()));
            }
        }
        return new ClassNames(entries);
    }

    /**
     * The names of a generator: the stored dataset names when there are any, else ImageNet's for a
     * 1000-class generator, else none.
     *
     * @param storedNames the checkpoint's {@code class_names}, possibly empty
     * @param classCount  the generator's number of classes (0 = unconditional)
     */
    public static ClassNames forGenerator(List<String> storedNames, int classCount) {
        if (!storedNames.isEmpty()) {
            return of(storedNames);
        }
        return classCount == ImageNetClasses.COUNT ? imageNet() : none();
    }

    /** Number of named classes (ids 0 to size - 1). */
    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The names of class {@code id}, or empty when it has none. */
    public Optional<Entry> entry(int id) {
        return id >= 0 && id < entries.size() ? Optional.of(entries.get(id)) : Optional.empty();
    }

    /** The primary label of class {@code id}: "class 3" when it has no name. */
    public String label(int id) {
        return id >= 0 && id < entries.size() ? entries.get(id).label() : "class " + id;
    }

    /** The synonyms of class {@code id}, primary label first; empty when it has no name. */
    public List<String> synonyms(int id) {
        return entry(id).map(Entry::synonyms).orElse(List.of());
    }

    /** The WordNet id of class {@code id}, when known. */
    public Optional<String> wnid(int id) {
        return entry(id).flatMap(Entry::wnid);
    }

    @Override
    public String toString() {
        return entries.isEmpty() ? "no class names" : entries.size() + " class names (" + label(0) + ", ...)";
    }

    private static final class Holder {
        static final ClassNames IMAGENET = new ClassNames(ImageNetClasses.all().stream()
                .map(e -> new Entry(e.synonyms(), Optional.of(e.wnid()))).toList());
    }
}
