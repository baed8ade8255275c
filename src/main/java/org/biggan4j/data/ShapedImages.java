package org.biggan4j.data;

import java.util.List;

/**
 * The part of a {@link LabelledImages} that is fixed when it is opened: channels, resolution and
 * class names, kept here once for the in-memory arrays ({@link ArrayImages}) and the image files
 * decoded on demand ({@link ImageFiles}).
 */
abstract class ShapedImages implements LabelledImages {

    protected final int channels;
    protected final int resolution;
    protected final List<String> classNames;

    /** {@code classNames} is copied. */
    protected ShapedImages(int channels, int resolution, List<String> classNames) {
        this.channels = channels;
        this.resolution = resolution;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public final int channels() {
        return channels;
    }

    @Override
    public final int resolution() {
        return resolution;
    }

    @Override
    public final List<String> classNames() {
        return classNames;
    }
}
