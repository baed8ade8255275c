package org.biggan4j.data;

import java.util.List;

/**
 * How to open a dataset.
 *
 * @param resolution side of the square images to produce; 0 keeps a fixed-size source's own
 *                   (idx 28, CIFAR 32, a packed file's) and is not allowed for image files. A
 *                   different value resamples by area (see {@link org.biggan4j.image.AreaResize})
 * @param channels   0 for the source's own (image files: 3), 1 for grayscale, 3 for RGB
 * @param split      which part of a split dataset (idx, CIFAR) to use
 * @param classNames class names overriding the detected ones, or {@code null}
 */
public record DataOptions(int resolution, int channels, Split split, List<String> classNames) {

    /** Smallest and largest supported resolution. */
    public static final int MIN_RESOLUTION = 8;
    public static final int MAX_RESOLUTION = 1024;

    /** Parts of a dataset that ships split (idx train/t10k, CIFAR data/test batches). */
    public enum Split {
        TRAIN, TEST, ALL;

        boolean includes(Split part) {
            return this == ALL || this == part;
        }
    }

    public DataOptions {
        if (resolution != 0) {
            checkResolution(resolution);
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new IllegalArgumentException("Channels must be 0 (the source's own), 1 or 3, got " + channels + ".");
        }
        if (split == null) {
            split = Split.ALL;
        }
        classNames = classNames == null ? null : List.copyOf(classNames);
    }

    /** The source's resolution and channels, all splits, detected class names. */
    public static DataOptions defaults() {
        return new DataOptions(0, 0, Split.ALL, null);
    }

    public DataOptions withResolution(int r) {
        return new DataOptions(r, channels, split, classNames);
    }

    public DataOptions withChannels(int c) {
        return new DataOptions(resolution, c, split, classNames);
    }

    public DataOptions withSplit(Split s) {
        return new DataOptions(resolution, channels, s, classNames);
    }

    public DataOptions withClassNames(List<String> names) {
        return new DataOptions(resolution, channels, split, names);
    }

    /**
     * Checks that {@code resolution} is one this project can train at.
     *
     * @throws DataFormatException naming the value and the accepted range
     */
    public static int checkResolution(int resolution) {
        if (resolution < MIN_RESOLUTION || resolution > MAX_RESOLUTION) {
            throw new DataFormatException("Resolution " + resolution + " is not supported: use a value from "
                    + MIN_RESOLUTION + " to " + MAX_RESOLUTION + " (BigGAN trains at 32, 64, 128, 256 or 512).");
        }
        return resolution;
    }
}
