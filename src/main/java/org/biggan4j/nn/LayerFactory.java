package org.biggan4j.nn;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Builds the weight layers of an architecture, so that blocks do not know whether spectral
 * normalisation is on or which initialisation is used (BigGAN-PyTorch's {@code which_conv}
 * injection). Layers are created on the CPU in float32 (or on the meta device, for inspecting
 * models without allocating weights); move a finished network with {@code module.to(...)}.
 *
 * @param spectralNorm    normalise every conv, linear and embedding weight
 * @param snEps           eps of the power iteration's normalisation (paper: 1e-4)
 * @param powerIterations power-iteration steps per training forward (paper: 1)
 * @param init            weight initialisation
 * @param meta            create tensors on the meta device (shapes only)
 */
public record LayerFactory(boolean spectralNorm, double snEps, int powerIterations, Init init, boolean meta) {

    public LayerFactory {
        if (snEps <= 0 || powerIterations < 1 || init == null) {
            throw new IllegalArgumentException("A layer factory needs eps > 0, at least one power iteration and an init.");
        }
    }

    /** The same factory with spectral normalisation switched on or off. */
    public LayerFactory withSpectralNorm(boolean on) {
        return new LayerFactory(on, snEps, powerIterations, init, meta);
    }

    TensorOptions options() {
        TensorOptions o = new TensorOptions(torch.ScalarType.Float);
        return meta ? o.device(new DeviceOptional(new Device("meta"))) : o;
    }

    /** A k x k convolution with "same" padding and stride 1. */
    public Conv2d conv(long in, long out, int kernel, boolean bias) {
        return new Conv2d(in, out, kernel, 1, kernel / 2, bias, this);
    }

    /** A convolution with explicit stride and padding (DCGAN). */
    public Conv2d conv(long in, long out, int kernel, int stride, int padding, boolean bias) {
        return new Conv2d(in, out, kernel, stride, padding, bias, this);
    }

    /** A transposed convolution (DCGAN's generator). */
    public ConvTranspose2d convTranspose(long in, long out, int kernel, int stride, int padding, boolean bias) {
        return new ConvTranspose2d(in, out, kernel, stride, padding, bias, this);
    }

    public Linear linear(long in, long out, boolean bias) {
        return new Linear(in, out, bias, this);
    }

    public Embedding embedding(long count, long dim) {
        return new Embedding(count, dim, this);
    }
}
