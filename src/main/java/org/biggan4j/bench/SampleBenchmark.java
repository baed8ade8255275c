package org.biggan4j.bench;

import org.biggan4j.checkpoint.imports.HfBigGanDeepConfig;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.Sampler;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;

import java.util.List;

/**
 * Sampling speed as {@code biggan4j sample} pays it: latents drawn with the truncation the
 * command line would use, G in eval mode without autograd, batch by batch through
 * {@link Sampler} (the code {@code sample} runs), random weights (the arithmetic does not depend
 * on them, so this is the speed of a published model of the same architecture).
 *
 * <p>A model is a preset's generator, or an imported published BigGAN-deep: the configuration
 * {@code biggan4j import --format hf-biggan-deep} gives pytorch-pretrained-BigGAN's official
 * 128/256/512 px models, truncation-indexed statistics tables included.
 */
public final class SampleBenchmark {

    /** What to build: a preset (with overrides), or an imported official BigGAN-deep of a resolution. */
    public record Model(String label, TrainConfig config) {

        /** A preset's generator; {@code classes} applies where the preset takes the count from the data. */
        public static Model preset(String name, List<String> overrides) {
            return new Model(name, ConfigLoader.load(name, overrides));
        }

        /** pytorch-pretrained-BigGAN's official BigGAN-deep at {@code resolution} (128, 256 or 512), as imported. */
        public static Model imported(int resolution) {
            if (resolution != 128 && resolution != 256 && resolution != 512) {
                throw new IllegalArgumentException("The published BigGAN-deep models are 128, 256 and 512 px; got "
                        + resolution + ".");
            }
            return new Model("imported biggan-deep-" + resolution, HfBigGanDeepConfig.official(resolution).config());
        }
    }

    /** One measurement. */
    public record Row(String model, int resolution, int ch, int classes, int batch, double truncation,
                      double secondsPerBatch, double imagesPerSecond, String device, int threads) {
    }

    private SampleBenchmark() {
    }

    /**
     * Times {@code runs} batches after {@code warmup}, each a fresh draw of latents and classes as
     * {@code sample} makes them, for every batch size.
     *
     * @param classes    classes when the preset takes them from the data (ImageNet's 1000 by default)
     * @param truncation as {@code sample --truncation}: 0 = none
     */
    public static List<Row> run(Model model, List<Integer> batches, int classes, double truncation, int warmup,
                                int runs, ComputeDevice device) {
        TrainConfig.ModelConfig m = model.config().model();
        int k = m.conditional() ? (m.classes() > 0 ? m.classes() : classes) : 0;
        ModelSpec spec = Models.spec(m, false, k, m.imageChannels() > 0 ? m.imageChannels() : 3);
        ModelSize.requireWithinLimit(model.label(), spec);
        Generator g = Models.generator(spec, device);
        try {
            g.eval();
            if (g.truncationIndexedStatistics()) {
                g.selectTruncation(truncation == 0 ? 1.0 : truncation);   // as sample does: 0 = none = 1
            }
            LatentDistribution distribution = LatentDistribution.forTruncation(truncation, g);
            return batches.stream().map(batch -> {
                long[] ids = k == 0 ? null : new long[batch];
                for (int j = 0; ids != null && j < batch; j++) {
                    ids[j] = (j * 97L) % k;    // spread over the classes; the cost does not depend on them
                }
                try (LatentSampler latents = new LatentSampler(distribution, spec.latentDim(), 0, device)) {
                    double seconds = Timing.medianSeconds(device, warmup, runs, () -> Sampler.run(g,
                            Sampler.Latents.drawn(latents, batch, device), ids, batch, batch, device,
                            (start, images) -> { }, done -> { }));
                    return new Row(model.label(), spec.resolution(), spec.ch(), k, batch, truncation, seconds,
                            batch / seconds, device.toString(), Engine.threads());
                }
            }).toList();
        } finally {
            g.close();
        }
    }
}
