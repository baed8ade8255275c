package org.biggan4j.sample;

import org.biggan4j.model.Generator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.function.IntConsumer;

/**
 * Runs a generator over N inputs in batches, in eval mode and without autograd, each batch in its
 * own native-memory scope, and hands every batch of images to a sink.
 */
public final class Sampler {

    /** The latents of inputs {@code start .. start + count - 1}, {@code [count, dim]} on the device. */
    @FunctionalInterface
    public interface Latents {
        Tensor get(int start, int count);

        /**
         * The next {@code n} latents of a sampler, drawn in one go on the caller's scope. Drawing
         * per batch instead would make truncated latents depend on the batch size: resampling
         * the components above the threshold consumes random numbers per draw.
         */
        static Latents drawn(LatentSampler sampler, int n, ComputeDevice device) {
            return of(sampler.sample(n), device);
        }

        /** Rows of a fixed matrix {@code [N, dim]} (for example read from a .npy file). */
        static Latents of(Tensor z, ComputeDevice device) {
            return (start, count) -> z.narrow(0, start, count).to(device.torchDevice(),
                    torch.ScalarType.Float);
        }
    }

    /** Receives images {@code [b, C, H, W]} in [-1, 1] on the CPU for inputs {@code start ..}. */
    @FunctionalInterface
    public interface Sink {
        void accept(int start, Tensor images);
    }

    private Sampler() {
    }

    /** The images of inputs {@code start .. start + count - 1} from the generator (no grad, eval mode, in a scope). */
    @FunctionalInterface
    public interface Forward {
        Tensor images(int start, int count);
    }

    /**
     * @param classes the class of each input ({@code n} entries), or null for an unconditional generator
     * @param done    told the number of inputs finished after each batch
     */
    public static void run(Generator generator, Latents latents, long[] classes, int n, int batch,
                           ComputeDevice device, Sink sink, IntConsumer done) {
        if ((classes == null) != (generator.numClasses() == 0)) {
            throw new IllegalArgumentException(generator.numClasses() == 0
                    ? "This generator is unconditional: it takes no classes."
                    : "This generator is conditional: every sample needs a class.");
        }
        run(generator, n, batch, (start, count) -> {
            Tensor y = null;
            if (classes != null) {
                long[] ids = new long[count];
                System.arraycopy(classes, start, ids, 0, count);
                y = Tensors.fromLongs(ids, device, count);
            }
            return generator.forward(latents.get(start, count), y);
        }, sink, done);
    }

    /**
     * Inputs with soft classes: row i of {@code classWeights} ({@code [n, numClasses]}, any device)
     * is the class mixture of input i (see {@link Generator#forwardSoft}).
     */
    public static void runSoft(Generator generator, Latents latents, Tensor classWeights, int n, int batch,
                               ComputeDevice device, Sink sink, IntConsumer done) {
        if (!generator.acceptsSoftClasses()) {
            generator.forwardSoft(null, null); // throws its one-line explanation
        }
        if (classWeights.dim() != 2 || classWeights.size(0) != n || classWeights.size(1) != generator.numClasses()) {
            throw new IllegalArgumentException("Class weights must be [" + n + ", " + generator.numClasses() + "].");
        }
        run(generator, n, batch, (start, count) -> generator.forwardSoft(latents.get(start, count),
                classWeights.narrow(0, start, count).to(device.torchDevice(),
                        torch.ScalarType.Float)), sink, done);
    }

    /** Runs {@code forward} over n inputs in batches, in eval mode, without autograd, one scope per batch. */
    public static void run(Generator generator, int n, int batch, Forward forward, Sink sink, IntConsumer done) {
        if (n < 1 || batch < 1) {
            throw new IllegalArgumentException("Need n >= 1 and batch >= 1, got " + n + " and " + batch + ".");
        }
        boolean wasTraining = generator.is_training();
        generator.eval();
        try {
            for (int start = 0; start < n; start += batch) {
                int count = Math.min(batch, n - start);
                int first = start;
                NativeMemory.scoped(() -> {
                    try (NoGradGuard g = new NoGradGuard()) {
                        Tensor images = forward.images(first, count);
                        sink.accept(first, images.to(ComputeDevice.CPU.torchDevice(),
                                torch.ScalarType.Float));
                    }
                });
                done.accept(start + count);
            }
        } finally {
            generator.train(wasTraining);
        }
    }
}
