package org.biggan4j.tensor;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where tensors live: {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}.
 *
 * <p>Every tensor the project creates goes through {@link #options(ScalarType)} (or
 * {@link Tensors}), so nothing silently lands on the CPU when the user asked for a GPU.
 * The native {@link Device} is created once and owned by this record's holder for the
 * life of the JVM (it is a few bytes and never freed).
 *
 * @param type  {@code "cpu"}, {@code "cuda"} or {@code "meta"} (shape-only tensors, no storage)
 * @param index device index for CUDA, {@code -1} for CPU and meta
 */
public record ComputeDevice(String type, int index) {

    private static final Pattern SPEC = Pattern.compile("(cpu|meta|cuda)(?::(\\d+))?");

    public static final ComputeDevice CPU = new ComputeDevice("cpu", -1);
    public static final ComputeDevice META = new ComputeDevice("meta", -1);

    public ComputeDevice {
        if (!type.equals("cpu") && !type.equals("cuda") && !type.equals("meta")) {
            throw new IllegalArgumentException("Unknown device type '" + type
                    + "': use cpu, cuda or cuda:N.");
        }
        if (type.equals("cuda") && index < 0) {
            throw new IllegalArgumentException("A CUDA device index must be >= 0, got " + index + ".");
        }
    }

    /**
     * Parses {@code cpu}, {@code cuda}, {@code cuda:N} or {@code meta}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static ComputeDevice parse(String text) {
        Matcher m = SPEC.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("Unknown device '" + text
                    + "': use cpu, cuda or cuda:N (for example cuda:1).");
        }
        String type = m.group(1);
        if (type.equals("cuda")) {
            return new ComputeDevice("cuda", m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
        }
        if (m.group(2) != null) {
            throw new IllegalArgumentException("Device '" + text + "' takes no index: use " + type + ".");
        }
        return type.equals("cpu") ? CPU : META;
    }

    /** True for CUDA devices. */
    public boolean isCuda() {
        return type.equals("cuda");
    }

    /**
     * Fails with a clear message when this device cannot be used in this process (a CUDA device
     * requested from the CPU build of libtorch, or an index beyond the visible GPUs).
     */
    public ComputeDevice requireAvailable() {
        if (isCuda()) {
            if (!torch.cuda_is_available()) {
                throw new IllegalStateException("Device " + this + " was requested but libtorch sees no CUDA "
                        + "device: build with the GPU natives (mvn -Pcuda package) on a machine with a GPU, "
                        + "or use --device cpu.");
            }
            int count = torch.cuda_device_count();
            if (index >= count) {
                throw new IllegalStateException("Device " + this + " does not exist: " + count
                        + " CUDA device(s) are visible (cuda:0 .. cuda:" + (count - 1) + ").");
            }
        }
        return this;
    }

    /** The native device. A new small native object; callers inside a scope let the scope free it. */
    public Device torchDevice() {
        return isCuda() ? new Device(toString()) : new Device(type);
    }

    /** Tensor options for this device and dtype. */
    public TensorOptions options(ScalarType dtype) {
        return new TensorOptions(torchDevice()).dtype(new ScalarTypeOptional(dtype));
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + index : type;
    }
}
