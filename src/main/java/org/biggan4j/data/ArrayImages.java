package org.biggan4j.data;

import java.util.List;

/**
 * A dataset held in memory as one uint8 array of CHW images (idx and CIFAR files, which are a
 * few hundred megabytes at most). Immutable and thread-safe.
 */
public final class ArrayImages extends ShapedImages {

    private final byte[] pixels;
    private final int[] labels;
    private final String description;

    /**
     * @param pixels     {@code count * channels * resolution^2} bytes, images one after another
     * @param labels     one label per image, each in {@code [0, classNames.size())}
     */
    public ArrayImages(byte[] pixels, int[] labels, int channels, int resolution, List<String> classNames,
                       String description) {
        super(channels, resolution, classNames);
        long size = (long) channels * resolution * resolution;
        if (size * labels.length != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels need " + size * labels.length
                    + " bytes of " + channels + "x" + resolution + "x" + resolution + " images, got " + pixels.length + ".");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new DataFormatException("Label " + labels[i] + " of image " + i + " in " + description
                        + " is outside the " + classNames.size() + " classes: the label file does not match the"
                        + " class names; pass the right class names or fix the labels.");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.description = description;
    }

    @Override
    public int count() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void read(int index, byte[] dst, int offset) {
        int size = imageBytes();
        System.arraycopy(pixels, index * size, dst, offset, size);
    }

    @Override
    public String description() {
        return description;
    }
}
