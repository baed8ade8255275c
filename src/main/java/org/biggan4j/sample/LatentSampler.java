package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Draws latent batches z [B, dim] (float32) on a device from a {@link LatentDistribution},
 * reproducibly from a seed.
 *
 * <p>The sampler owns a private libtorch CPU generator seeded with its seed, so the latents do
 * not depend on (nor disturb) the global generator that training draws from, and the same seed
 * gives the same latents on every device: random numbers are drawn on the CPU and moved to the
 * device, where the truncation's masked resampling runs. (The presets expose
 * {@code createCPUGenerator} but no CUDA generator factory; the host-to-device copy of a latent
 * batch is a few KB.)
 *
 * <p>Truncation (BigGAN section 3.1, SPEC section 4): components whose magnitude exceeds the
 * threshold are redrawn until none does. Each round draws k candidates for every component still
 * out of range and keeps the first candidate inside; a component with no candidate inside stays
 * masked for the next round. This equals redrawing each component one draw at a time (the first
 * in-range draw of i.i.d. normals is a truncated normal), with k chosen so that a round usually
 * finishes the job even for thresholds like 0.04.
 *
 * <p>Not thread-safe. Tensors returned by {@link #sample} belong to the caller's
 * {@link org.bytedeco.javacpp.PointerScope}; the generator belongs to this object until
 * {@link #close}.
 */
public final class LatentSampler implements AutoCloseable {

    /** Cap on candidate values drawn in one truncation round (64 MB of float32). */
    private static final long MAX_CANDIDATES = 1L << 24;

    private final LatentDistribution distribution;
    private final int dim;
    private final long seed;
    private final ComputeDevice device;
    private final Generator generator;
    private boolean closed;

    /**
     * @param distribution what each component is drawn from
     * @param dim          latent dimension (BigGAN: 120 at 128 px, 128 for BigGAN-deep; as low as 8 in appendix E)
     * @param seed         the seed of this sampler's private generator (derive it with
     *                     {@link org.biggan4j.tensor.Seeds#derive} from the run seed)
     * @param device       where the latents are returned
     */
    public LatentSampler(LatentDistribution distribution, int dim, long seed, ComputeDevice device) {
        if (dim < 1) {
            throw new IllegalArgumentException("The latent dimension must be >= 1, got " + dim + ".");
        }
        this.distribution = distribution;
        this.dim = dim;
        this.seed = seed;
        this.device = device;
        this.generator = torch.createCPUGenerator(seed);
        // Owned by this sampler, not by whatever PointerScope is open now (released in close()).
        this.generator.retainReference();
    }

    public LatentDistribution distribution() {
        return distribution;
    }

    public int dim() {
        return dim;
    }

    public long seed() {
        return seed;
    }

    public ComputeDevice device() {
        return device;
    }

    /** Restarts the generator from the seed: the next batches repeat the first ones. */
    public void reset() {
        checkOpen();
        generator.set_current_seed(seed);
    }

    /** The next batch of latents, [batch, dim] float32 on the device. */
    public Tensor sample(long batch) {
        checkOpen();
        if (batch < 1) {
            throw new IllegalArgumentException("A latent batch needs at least one row, got " + batch + ".");
        }
        long[] shape = {batch, dim};
        return switch (distribution.kind()) {
            case NORMAL -> toDevice(normal(shape));
            case TRUNCATED_NORMAL -> truncated(shape, ((LatentDistribution.TruncatedNormal) distribution).threshold());
            case SCALED_TRUNCATED_NORMAL -> truncated(shape, LatentDistribution.ScaledTruncatedNormal.BOUND)
                    .mul(new Scalar(((LatentDistribution.ScaledTruncatedNormal) distribution).truncation()));
            case UNIFORM -> toDevice(uniform(shape).mul(new Scalar(2.0)).sub(new Scalar(1.0)));
            case BERNOULLI -> toDevice(uniform(shape).lt(new Scalar(0.5)).to(ScalarType.Float));
            case CENSORED_NORMAL -> toDevice(normal(shape).clamp_min(new Scalar(0.0)));
        };
    }

    private Tensor truncated(long[] shape, double threshold) {
        Scalar t = new Scalar(threshold);
        Tensor z = toDevice(normal(shape));                                  // [B, dim]
        // Acceptance probability of one draw is erf(t / sqrt 2) >= ~0.68 t for t <= 1, so
        // k = 4 / t + 1 draws leave a component out of range with probability below ~7%.
        long perComponent = (long) Math.ceil(4.0 / Math.min(threshold, 4.0)) + 1;
        while (true) {
            Tensor outside = z.abs().gt(t);                                   // [B, dim] bool
            long count = outside.sum().item_long();
            if (count == 0) {
                return z;
            }
            long k = Math.max(1, Math.min(perComponent, MAX_CANDIDATES / count));
            Tensor candidates = toDevice(normal(new long[] {k, count}));      // [k, count]
            Tensor inside = candidates.abs().le(t).to(ScalarType.Byte);       // [k, count]
            // argmax returns the first maximum: the first in-range draw (0 if none, still out of range).
            Tensor first = inside.argmax(new LongOptional(0), true);          // [1, count]
            Tensor chosen = candidates.gather(0, first).reshape(count);       // [count]
            z.masked_scatter_(outside, chosen);                               // row-major, deterministic
        }
    }

    private Tensor normal(long[] shape) {
        return torch.randn(shape, new GeneratorOptional(generator), ComputeDevice.CPU.options(ScalarType.Float));
    }

    private Tensor uniform(long[] shape) {
        return torch.rand(shape, new GeneratorOptional(generator), ComputeDevice.CPU.options(ScalarType.Float));
    }

    private Tensor toDevice(Tensor cpu) {
        return device.type().equals("cpu") ? cpu : cpu.to(device.torchDevice(), ScalarType.Float);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This LatentSampler is closed.");
        }
    }

    /** Frees the generator. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            generator.releaseReference();
        }
    }
}
