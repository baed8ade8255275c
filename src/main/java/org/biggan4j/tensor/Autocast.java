package org.biggan4j.tensor;

import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * bf16 autocast for a region of code (libtorch's {@code at::autocast}): eligible ops such as
 * convolutions and matrix products run in bfloat16 while parameters, reductions and losses
 * stay float32. Used as try-with-resources; a disabled instance does nothing.
 */
public final class Autocast implements AutoCloseable {

    private final DeviceType deviceType;
    private final boolean wasEnabled;
    private final boolean active;

    private Autocast(ComputeDevice device, boolean enable) {
        this.deviceType = device.isCuda() ? DeviceType.CUDA : DeviceType.CPU;
        this.active = enable && !device.type().equals("meta");
        this.wasEnabled = active && torch.is_autocast_enabled(deviceType);
        if (active) {
            // The presets expose no clear_autocast_cache(), and a cached bf16 copy of a
            // parameter would go stale after the optimiser step: run without the cache.
            torch.set_autocast_cache_enabled(false);
            torch.set_autocast_dtype(deviceType, ScalarType.BFloat16);
            torch.set_autocast_enabled(deviceType, true);
        }
    }

    /** Enters bf16 autocast on {@code device} when {@code enable}; otherwise a no-op. */
    public static Autocast bf16(ComputeDevice device, boolean enable) {
        return new Autocast(device, enable);
    }

    @Override
    public void close() {
        if (active) {
            torch.set_autocast_enabled(deviceType, wasEnabled);
        }
    }
}
