package org.biggan4j.data;

import org.biggan4j.tensor.Seeds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A fixed subset of a labelled dataset: {@code perClass} images of every class
 * ({@code data.subset_per_class}), for experiments on small data such as the 10% and 20% CIFAR
 * subsets of DiffAugment (Zhao et al. 2020) or the 100-images-per-class Fashion-MNIST preset.
 *
 * <p>The draw depends only on the seed and the underlying data: a resumed run and every replica
 * of a data-parallel job train on the same images. Within a class the images are a uniform draw
 * without replacement (a partial Fisher-Yates shuffle of that class's indices); the subset keeps
 * the underlying order, so index {@code i} of the subset is the {@code i}-th chosen image. A
 * multi-label image belongs to the class of its first label.
 */
public final class SubsetImages implements LabelledImages {

    private final LabelledImages base;
    private final int[] indices;
    private final String description;

    private SubsetImages(LabelledImages base, int[] indices, String description) {
        this.base = base;
        this.indices = indices;
        this.description = description;
    }

    /**
     * {@code perClass} images of every class of {@code base}, drawn with {@code seed}.
     *
     * @throws IllegalArgumentException when a class has fewer images than {@code perClass}, or the
     *                                  data has no classes (one line, naming the key and the fix)
     */
    public static SubsetImages perClass(LabelledImages base, int perClass, long seed) {
        if (perClass < 1) {
            throw new IllegalArgumentException("A per-class subset needs at least 1 image per class, got " + perClass
                    + ".");
        }
        int classes = base.classCount();
        if (classes < 1) {
            throw new IllegalArgumentException("Invalid configuration: data.subset_per_class=" + perClass
                    + " draws images per class, but " + base.description() + " has no classes: set "
                    + "data.subset_per_class=0.");
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < base.count(); i++) {
            byClass.get(base.label(i)).add(i);
        }
        int smallest = 0;
        for (int c = 1; c < classes; c++) {
            if (byClass.get(c).size() < byClass.get(smallest).size()) {
                smallest = c;
            }
        }
        if (byClass.get(smallest).size() < perClass) {
            throw new IllegalArgumentException("Invalid configuration: data.subset_per_class=" + perClass
                    + " is more than the " + byClass.get(smallest).size() + " images of class '"
                    + base.classNames().get(smallest) + "' in " + base.description() + ": set it to at most "
                    + byClass.get(smallest).size() + ", or 0 for all images.");
        }
        // One stream for the whole draw, consumed class by class in label order: the subset is a
        // function of (seed, data) alone.
        SplittableRandom random = Seeds.stream(seed, "data.subset_per_class");
        int[] chosen = new int[perClass * classes];
        int k = 0;
        for (List<Integer> members : byClass) {
            int[] pool = members.stream().mapToInt(Integer::intValue).toArray();
            for (int i = 0; i < perClass; i++) {
                int j = i + random.nextInt(pool.length - i);
                int t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
                chosen[k++] = pool[i];
            }
        }
        Arrays.sort(chosen);
        return new SubsetImages(base, chosen, base.description() + ", " + perClass + " images per class drawn with "
                + "seed " + seed);
    }

    /** The indices of the chosen images in the underlying data, ascending. */
    public int[] indices() {
        return indices.clone();
    }

    @Override
    public int count() {
        return indices.length;
    }

    @Override
    public int channels() {
        return base.channels();
    }

    @Override
    public int resolution() {
        return base.resolution();
    }

    @Override
    public List<String> classNames() {
        return base.classNames();
    }

    @Override
    public int label(int index) {
        return base.label(indices[index]);
    }

    @Override
    public int[] labels(int index) {
        return base.labels(indices[index]);
    }

    @Override
    public boolean multiLabel() {
        return base.multiLabel();
    }

    @Override
    public void read(int index, byte[] dst, int offset) {
        base.read(indices[index], dst, offset);
    }

    @Override
    public boolean decodesFiles() {
        return base.decodesFiles();
    }

    @Override
    public String description() {
        return description;
    }
}
