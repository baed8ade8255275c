package org.biggan4j.data;

import org.biggan4j.image.AreaResize;
import org.biggan4j.image.ImageDecoding;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A view of a fixed-size dataset at another resolution (area resampling, see {@link AreaResize})
 * and/or channel count (gray replicated to RGB, RGB to ITU-R 601 luma).
 */
public final class ResampledImages implements LabelledImages {

    private final LabelledImages source;
    private final int resolution;
    private final int channels;

    public ResampledImages(LabelledImages source, int resolution, int channels) {
        this.source = source;
        this.resolution = DataOptions.checkResolution(resolution);
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("Channels must be 1 or 3, got " + channels + ".");
        }
        this.channels = channels;
    }

    /** {@code source} itself when nothing changes, else a resampling view. {@code 0} keeps a value. */
    public static LabelledImages of(LabelledImages source, int resolution, int channels) {
        int r = resolution == 0 ? source.resolution() : resolution;
        int c = channels == 0 ? source.channels() : channels;
        return r == source.resolution() && c == source.channels() ? source : new ResampledImages(source, r, c);
    }

    @Override
    public int count() {
        return source.count();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int resolution() {
        return resolution;
    }

    @Override
    public List<String> classNames() {
        return source.classNames();
    }

    @Override
    public int label(int index) {
        return source.label(index);
    }

    @Override
    public int[] labels(int index) {
        return source.labels(index);
    }

    @Override
    public boolean multiLabel() {
        return source.multiLabel();
    }

    @Override
    public int drawLabel(int index, SplittableRandom random) {
        return source.drawLabel(index, random);
    }

    @Override
    public boolean decodesFiles() {
        return source.decodesFiles();
    }

    @Override
    public void read(int index, byte[] dst, int offset) {
        int r = source.resolution();
        int plane = r * r;
        byte[] raw = source.image(index);
        byte[] converted;
        if (channels == source.channels()) {
            converted = raw;
        } else if (channels == 3) {
            converted = new byte[3 * plane];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(raw, 0, converted, c * plane, plane);
            }
        } else {
            converted = new byte[plane];
            for (int p = 0; p < plane; p++) {
                converted[p] = (byte) ImageDecoding.luma(raw[p] & 0xFF, raw[plane + p] & 0xFF, raw[2 * plane + p] & 0xFF);
            }
        }
        byte[] out = AreaResize.resizeSquare(converted, channels, r, resolution);
        System.arraycopy(out, 0, dst, offset, out.length);
    }

    @Override
    public String description() {
        return source.description() + ", area-resampled to " + resolution + "x" + resolution
                + (channels == source.channels() ? "" : channels == 1 ? ", grayscale" : ", gray replicated to RGB");
    }
}
