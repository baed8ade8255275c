package org.biggan4j.sample;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.model.Generator;
import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Standing statistics (BigGAN appendix C and section 4): instead of the running averages that
 * training left in G's BatchNorm layers (which belong to G, not to G_ema's averaged weights, and
 * to the training latent, not to a truncated one), run G on K batches of noise at the sampling
 * truncation and store the mean batch moments; eval-mode outputs then use them and no longer
 * depend on the sampling batch size or on the other samples in a batch.
 *
 * <p>The generator stays in eval mode during the pass, so spectral-norm vectors are untouched;
 * only BatchNorm buffers change. Classes are drawn uniformly from a generator seeded from
 * {@code seed}, latents from {@code latents} (its distribution is the truncation).
 */
public final class StandingStatistics {

    /** The paper's and BigGAN-PyTorch's default number of noise batches. */
    public static final int DEFAULT_BATCHES = 100;

    private StandingStatistics() {
    }

    /**
     * Runs {@code work} with standing statistics over {@code batches} batches of N(0, I) noise in
     * place of G's stored BatchNorm statistics, then puts the stored ones back, so that sampling
     * during training (sheets, quick evaluations) leaves the run's state exactly as it was: a
     * resumed run stays bit-identical to an uninterrupted one. Native memory that {@code work}
     * allocates is released when this method returns: hand results out as Java values.
     */
    public static void during(Generator generator, int batches, int batchSize, long seed, ComputeDevice device,
                              Runnable work) {
        during(generator, new LatentDistribution.Normal(), batches, batchSize, seed, device, work);
    }

    /** {@link #during(Generator, int, int, long, ComputeDevice, Runnable)} with noise from {@code noise} (a truncation). */
    public static void during(Generator generator, LatentDistribution noise, int batches, int batchSize, long seed,
                              ComputeDevice device, Runnable work) {
        if (batches == 0) {
            work.run();
            return;
        }
        swapped(generator, pass(generator, noise, batches, batchSize, seed, device, b -> { }), work);
    }

    /**
     * Runs {@code work} in eval mode with {@code statistics} (from {@link #compute}, for example
     * stored in a checkpoint) in place of G's BatchNorm statistics, then puts the stored ones back.
     */
    public static void during(Generator generator, Map<String, Tensor> statistics, Runnable work) {
        swapped(generator, () -> {
            install(generator, statistics, "standing statistics");
            generator.eval();
        }, work);
    }

    /**
     * Standing statistics over {@code batches} noise batches from {@code noise}, as CPU copies of
     * the BatchNorm buffers by state-dict name (running means, variances and counters), for
     * storing in a checkpoint. G's own buffers and mode are left as they were.
     */
    public static Map<String, Tensor> compute(Generator generator, LatentDistribution noise, int batches,
                                              int batchSize, long seed, ComputeDevice device,
                                              IntConsumer done) {
        if (batches < 1) {
            throw new IllegalArgumentException("Standing statistics need >= 1 batch, got " + batches + ".");
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        swapped(generator, pass(generator, noise, batches, batchSize, seed, device, done), () -> statisticsBuffers(generator).forEach((name, t) -> result.put(name,
                NativeMemory.keep(t.detach().to(ComputeDevice.CPU.torchDevice(), t.scalar_type()).clone()))));
        return result;
    }

    /** Copies {@code statistics} into G's BatchNorm buffers; names and shapes must match exactly. */
    public static void install(Generator generator, Map<String, Tensor> statistics, String what) {
        Map<String, Tensor> live = statisticsBuffers(generator);
        if (!live.keySet().equals(statistics.keySet())) {
            throw new IllegalArgumentException(what + " do not fit this generator: it has BatchNorm buffers "
                    + live.keySet() + ", they hold " + statistics.keySet() + ".");
        }
        try (NoGradGuard g = new NoGradGuard()) {
            live.forEach((name, t) -> {
                Tensor s = statistics.get(name);
                if (!Arrays.equals(Tensors.shape(t), Tensors.shape(s))) {
                    throw new IllegalArgumentException(what + ": " + name + " has the wrong shape.");
                }
                t.copy_(s);
            });
        }
    }

    /** A standing-statistics pass with its own latent sampler. */
    private static Runnable pass(Generator generator, LatentDistribution noise, int batches, int batchSize, long seed,
                                 ComputeDevice device, IntConsumer done) {
        return () -> {
            try (LatentSampler latents = new LatentSampler(noise, generator.latentDim(),
                    Seeds.derive(seed, "standing-noise"), device)) {
                accumulate(generator, latents, batches, batchSize, seed, done);
            }
        };
    }

    /** G's BatchNorm statistics buffers (live references) by state-dict name. */
    private static Map<String, Tensor> statisticsBuffers(Generator generator) {
        Map<String, Tensor> live = new LinkedHashMap<>();
        StateDict.of(generator).forEach((name, t) -> {
            if (name.endsWith("running_mean") || name.endsWith("running_var") || name.endsWith("num_batches")) {
                live.put(name, t);
            }
        });
        return live;
    }

    /** Runs {@code replace} then {@code work}, and restores G's BatchNorm buffers and mode afterwards. */
    private static void swapped(Generator generator, Runnable replace, Runnable work) {
        NativeMemory.scoped(() -> {
            Map<String, Tensor> live = statisticsBuffers(generator);
            Map<String, Tensor> stored = new LinkedHashMap<>();
            live.forEach((name, t) -> stored.put(name, t.detach().clone()));
            boolean wasTraining = generator.is_training();
            try {
                replace.run();
                work.run();
            } finally {
                try (NoGradGuard g = new NoGradGuard()) {
                    live.forEach((name, t) -> t.copy_(stored.get(name)));
                }
                generator.train(wasTraining);
            }
        });
    }

    /**
     * Replaces G's BatchNorm statistics with the mean moments over {@code batches} noise batches
     * of {@code batchSize} and leaves G in eval mode.
     */
    public static void accumulate(Generator generator, LatentSampler latents, int batches, int batchSize, long seed) {
        accumulate(generator, latents, batches, batchSize, seed, b -> { });
    }

    /** {@link #accumulate(Generator, LatentSampler, int, int, long)}, telling {@code done} after each batch. */
    public static void accumulate(Generator generator, LatentSampler latents, int batches, int batchSize, long seed,
                                  IntConsumer done) {
        if (batches < 1 || batchSize < 2) {
            throw new IllegalArgumentException("Standing statistics need >= 1 batch of >= 2 samples, got " + batches
                    + " x " + batchSize + ".");
        }
        ComputeDevice device = latents.device();
        org.bytedeco.pytorch.Generator classRng = torch.createCPUGenerator(Seeds.derive(seed, "standing-classes"));
        classRng.retainReference();
        generator.eval();
        try (BatchNorm2d.StandingPass pass = BatchNorm2d.openStandingPass()) {
            for (int b = 0; b < batches; b++) {
                NativeMemory.scoped(() -> {
                    try (NoGradGuard g = new NoGradGuard()) {
                        Tensor classes = generator.numClasses() == 0 ? null
                                : torch.randint(generator.numClasses(), new long[] {batchSize},
                                        new GeneratorOptional(classRng),
                                        ComputeDevice.CPU.options(torch.ScalarType.Long));
                        if (classes != null && device.isCuda()) {
                            classes = classes.to(device.torchDevice(), torch.ScalarType.Long);
                        }
                        generator.forward(latents.sample(batchSize), classes);
                    }
                });
                done.accept(b + 1);
            }
        } finally {
            classRng.releaseReference();
        }
    }
}
