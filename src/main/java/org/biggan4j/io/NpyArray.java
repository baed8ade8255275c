package org.biggan4j.io;

import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array held on the Java heap in {@code .npy} layout: little-endian, C order.
 * It is the bridge between {@code .npy}/{@code .npz} files and Java arrays; for large arrays
 * that go straight to libtorch, {@link Npy#read(java.nio.file.Path, ComputeDevice)} avoids the
 * heap copy. Limited to 2 GiB of data (one Java byte array).
 *
 * @param dtype element type
 * @param shape C-order shape; empty for a zero-dimensional array
 * @param data  the elements, little-endian, exactly {@code count * itemSize} bytes
 */
public record NpyArray(NpyDtype dtype, long[] shape, byte[] data) {

    public NpyArray {
        shape = shape.clone();
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("Array shapes cannot hold negative sizes: " + Arrays.toString(shape) + ".");
            }
            n = Math.multiplyExact(n, s);
        }
        if (n * dtype.itemSize() != data.length) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " of " + dtype.descr() + " needs "
                    + n * dtype.itemSize() + " bytes but " + data.length + " were given.");
        }
    }

    /** A float32 array of {@code shape} holding {@code values} (row-major). */
    public static NpyArray ofFloats(float[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 4);
        b.asFloatBuffer().put(values);
        return new NpyArray(NpyDtype.FLOAT32, shape, b.array());
    }

    /** A float64 array of {@code shape} holding {@code values}. */
    public static NpyArray ofDoubles(double[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 8);
        b.asDoubleBuffer().put(values);
        return new NpyArray(NpyDtype.FLOAT64, shape, b.array());
    }

    /** An int64 array of {@code shape} holding {@code values}. */
    public static NpyArray ofLongs(long[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 8);
        b.asLongBuffer().put(values);
        return new NpyArray(NpyDtype.INT64, shape, b.array());
    }

    /** An int32 array of {@code shape} holding {@code values}. */
    public static NpyArray ofInts(int[] values, long... shape) {
        ByteBuffer b = buffer(values.length, 4);
        b.asIntBuffer().put(values);
        return new NpyArray(NpyDtype.INT32, shape, b.array());
    }

    /** A uint8 array of {@code shape}; Java's signed bytes are read as 0..255. */
    public static NpyArray ofBytes(byte[] values, long... shape) {
        return new NpyArray(NpyDtype.UINT8, shape, values.clone());
    }

    /** A bool array of {@code shape}. */
    public static NpyArray ofBooleans(boolean[] values, long... shape) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (values[i] ? 1 : 0);
        }
        return new NpyArray(NpyDtype.BOOL, shape, b);
    }

    /** A zero-dimensional float64 array (a NumPy scalar array). */
    public static NpyArray scalar(double value) {
        return ofDoubles(new double[] {value});
    }

    /** A zero-dimensional int64 array. */
    public static NpyArray scalar(long value) {
        return ofLongs(new long[] {value});
    }

    /**
     * Copies a tensor (any device, any layout) to the heap. Its dtype must be one of
     * {@link NpyDtype}'s; gradients are not tracked.
     */
    public static NpyArray of(Tensor tensor) {
        NpyDtype dtype = NpyDtype.of(tensor.scalar_type());
        Tensor c = tensor.detach().cpu().contiguous();
        long bytes = c.nbytes();
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("A tensor of " + bytes + " bytes is too large for a Java array; "
                    + "write it with Npy.write(path, tensor) instead.");
        }
        byte[] data = new byte[(int) bytes];
        if (bytes > 0) {
            new BytePointer(c.data_ptr()).capacity(bytes).get(data);
        }
        return new NpyArray(dtype, shapeOf(c), data);
    }

    /** This array as a new tensor of the matching dtype on {@code device}. */
    public Tensor toTensor(ComputeDevice device) {
        Tensor cpu = torch.empty(shape, ComputeDevice.CPU.options(dtype.scalarType()), null);
        if (data.length > 0) {
            new BytePointer(cpu.data_ptr()).capacity(data.length).put(data);
        }
        return device.type().equals("cpu") ? cpu : cpu.to(device.torchDevice(), dtype.scalarType());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a zero-dimensional array). */
    public long count() {
        return data.length / dtype.itemSize();
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** The elements converted to float64, row-major. */
    public double[] toDoubles() {
        int n = (int) count();
        double[] out = new double[n];
        ByteBuffer b = view();
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case FLOAT32 -> b.getFloat(4 * i);
                case FLOAT64 -> b.getDouble(8 * i);
                case INT64 -> b.getLong(8 * i);
                case INT32 -> b.getInt(4 * i);
                case UINT8, BOOL -> Byte.toUnsignedInt(b.get(i));
            };
        }
        return out;
    }

    /** The elements converted to float32, row-major. */
    public float[] toFloats() {
        double[] d = toDoubles();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    /**
     * The elements as int64, row-major.
     *
     * @throws IllegalStateException for floating-point arrays (no silent rounding)
     */
    public long[] toLongs() {
        requireIntegral("toLongs");
        int n = (int) count();
        long[] out = new long[n];
        ByteBuffer b = view();
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case INT64 -> b.getLong(8 * i);
                case INT32 -> b.getInt(4 * i);
                case UINT8, BOOL -> Byte.toUnsignedInt(b.get(i));
                case FLOAT32, FLOAT64 -> throw new AssertionError(dtype);
            };
        }
        return out;
    }

    /** The elements as int32, row-major; int64 values must fit. */
    public int[] toInts() {
        long[] l = toLongs();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    /** The elements as booleans (non-zero is true), row-major. */
    public boolean[] toBooleans() {
        requireIntegral("toBooleans");
        long[] l = toLongs();
        boolean[] out = new boolean[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = l[i] != 0;
        }
        return out;
    }

    /** The single value of a one-element array as float64. */
    public double scalarDouble() {
        if (count() != 1) {
            throw new IllegalStateException("Expected a single value but the array has shape " + Arrays.toString(shape) + ".");
        }
        return toDoubles()[0];
    }

    /** The single value of a one-element integral array. */
    public long scalarLong() {
        if (count() != 1) {
            throw new IllegalStateException("Expected a single value but the array has shape " + Arrays.toString(shape) + ".");
        }
        return toLongs()[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && a.dtype == dtype && Arrays.equals(a.shape, shape) && Arrays.equals(a.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype.descr() + " " + Arrays.toString(shape) + "]";
    }

    private void requireIntegral(String what) {
        if (dtype.isFloatingPoint()) {
            throw new IllegalStateException(what + " needs an integer or bool array but this one is " + dtype.descr() + ".");
        }
    }

    private ByteBuffer view() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer buffer(int count, int itemSize) {
        return ByteBuffer.allocate(Math.multiplyExact(count, itemSize)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long[] shapeOf(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }
}
