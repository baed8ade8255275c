package org.biggan4j.tensor;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/**
 * Moving data between Java arrays and tensors on a {@link ComputeDevice}.
 *
 * <p>Creation copies the Java array into a CPU tensor (one memcpy) and then moves it to the
 * device; reading copies back to a CPU, contiguous tensor first. Both are meant for small
 * tensors (labels, metrics, test fixtures) and for I/O, not for per-element work in loops.
 */
public final class Tensors {

    private Tensors() {
    }

    /** A float32 tensor of {@code shape} holding {@code values} (row-major) on {@code device}. */
    public static Tensor fromFloats(float[] values, ComputeDevice device, long... shape) {
        checkCount(values.length, shape);
        Tensor cpu = torch.empty(shape, ComputeDevice.CPU.options(ScalarType.Float), null);
        cpu.data_ptr_float().put(values);
        return toDevice(cpu, device);
    }

    /** A float64 tensor of {@code shape} holding {@code values} on {@code device}. */
    public static Tensor fromDoubles(double[] values, ComputeDevice device, long... shape) {
        checkCount(values.length, shape);
        Tensor cpu = torch.empty(shape, ComputeDevice.CPU.options(ScalarType.Double), null);
        cpu.data_ptr_double().put(values);
        return toDevice(cpu, device);
    }

    /** An int64 tensor of {@code shape} holding {@code values} on {@code device}. */
    public static Tensor fromLongs(long[] values, ComputeDevice device, long... shape) {
        checkCount(values.length, shape);
        Tensor cpu = torch.empty(shape, ComputeDevice.CPU.options(ScalarType.Long), null);
        cpu.data_ptr_long().put(values);
        return toDevice(cpu, device);
    }

    /** A uint8 tensor of {@code shape} holding {@code values} on {@code device}. */
    public static Tensor fromBytes(byte[] values, ComputeDevice device, long... shape) {
        checkCount(values.length, shape);
        Tensor cpu = torch.empty(shape, ComputeDevice.CPU.options(ScalarType.Byte), null);
        cpu.data_ptr_byte().put(values);
        return toDevice(cpu, device);
    }

    /** The values of {@code t} as float32, row-major, whatever its device, dtype or layout. */
    public static float[] toFloats(Tensor t) {
        Tensor c = hostCopy(t, ScalarType.Float);
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** The values of {@code t} as float64, row-major. */
    public static double[] toDoubles(Tensor t) {
        Tensor c = hostCopy(t, ScalarType.Double);
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out);
        return out;
    }

    /** The values of {@code t} as int64, row-major. */
    public static long[] toLongs(Tensor t) {
        Tensor c = hostCopy(t, ScalarType.Long);
        long[] out = new long[(int) c.numel()];
        c.data_ptr_long().get(out);
        return out;
    }

    /** The values of a uint8 tensor, row-major. */
    public static byte[] toBytes(Tensor t) {
        Tensor c = hostCopy(t, ScalarType.Byte);
        byte[] out = new byte[(int) c.numel()];
        c.data_ptr_byte().get(out);
        return out;
    }

    /** {@code t} detached, as {@code dtype}, on the CPU and contiguous, ready to be copied into a Java array. */
    private static Tensor hostCopy(Tensor t, ScalarType dtype) {
        return t.detach().to(dtype).cpu().contiguous();
    }

    /**
     * The dtype of {@code t} as the canonical enum constant. The presets return native enums as
     * fresh Java objects whose {@code ordinal()} is wrong, so {@code switch}, {@code ==} and
     * {@code EnumMap} on {@code t.scalar_type()} silently misbehave; {@code intern()} maps the
     * value back to the real constant. Always go through this method.
     */
    public static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    /** The shape of {@code t} as a Java array. */
    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    /** Zeros of {@code shape} and {@code dtype} on {@code device}. */
    public static Tensor zeros(ComputeDevice device, ScalarType dtype, long... shape) {
        return torch.zeros(shape, device.options(dtype));
    }

    /** Standard normal values of {@code shape} (float32) on {@code device}, from libtorch's seeded generator. */
    public static Tensor randn(ComputeDevice device, long... shape) {
        return torch.randn(shape, device.options(ScalarType.Float));
    }

    private static Tensor toDevice(Tensor cpu, ComputeDevice device) {
        if (device.type().equals("cpu")) {
            return cpu;
        }
        return cpu.to(device.torchDevice(), cpu.scalar_type());
    }

    private static void checkCount(int count, long[] shape) {
        long n = Arrays.stream(shape).reduce(1L, (a, b) -> a * b);
        if (n != count) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " holds " + n
                    + " values but " + count + " were given.");
        }
    }
}
