package org.biggan4j.io;

import java.util.Arrays;

/**
 * The parsed header of a {@code .npy} file: element type, shape (C order) and where the data
 * starts. Read it alone with {@link Npy#readHeader} to check a shape before loading the data.
 *
 * @param dtype      the element type
 * @param shape      the array shape; empty for a zero-dimensional array
 * @param dataOffset bytes from the start of the file to the first element
 */
public record NpyHeader(NpyDtype dtype, long[] shape, long dataOffset) {

    public NpyHeader {
        shape = shape.clone();
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("A .npy shape cannot hold negative sizes: " + Arrays.toString(shape) + ".");
            }
        }
    }

    /** Number of elements (1 for a zero-dimensional array). */
    public long count() {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Number of data bytes that follow the header. */
    public long dataBytes() {
        return Math.multiplyExact(count(), (long) dtype.itemSize());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && h.dtype == dtype && Arrays.equals(h.shape, shape) && h.dataOffset == dataOffset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Long.hashCode(dataOffset);
    }

    @Override
    public String toString() {
        return dtype.descr() + " " + Arrays.toString(shape);
    }
}
