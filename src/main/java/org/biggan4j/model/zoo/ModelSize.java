package org.biggan4j.model.zoo;

import org.biggan4j.model.ParameterCount;

import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.io.InputLimits;
import org.biggan4j.model.biggan.BigGanTables;
import org.biggan4j.model.deep.DeepSizes;

import java.util.Locale;

/**
 * Parameter counts of a generator and a discriminator computed from their {@link ModelSpec} and
 * the architecture tables, without building anything: a checkpoint's manifest is sized this way
 * before its model is allocated, so a small file asking for an enormous model is refused instead
 * of growing the process until the kernel kills it. Each formula mirrors its builder (layer by
 * layer; spectral-norm vectors and BatchNorm statistics are buffers, not parameters), and
 * {@code ModelSizeTest} / {@code PublishedSizesTest} check them against built models.
 *
 * <p>Arithmetic saturates: a count that does not fit in a {@code long} is {@link Long#MAX_VALUE},
 * above any limit.
 */
public final class ModelSize {

    private ModelSize() {
    }

    /** Parameter elements of the generator {@link Models#generator} builds for {@code spec}. */
    public static long generatorParameters(ModelSpec spec) {
        return switch (spec.architecture()) {
            case BIGGAN, SNGAN_RESNET, SAGAN_RESNET -> bigGanGenerator(spec);
            case BIGGAN_DEEP -> DeepSizes.generatorParameters(spec);
            case DCGAN -> dcganGenerator(spec);
        };
    }

    /** Parameter elements of the discriminator {@link Models#discriminator} builds for {@code spec}. */
    public static long discriminatorParameters(ModelSpec spec) {
        return switch (spec.architecture()) {
            case BIGGAN, SNGAN_RESNET, SAGAN_RESNET -> bigGanDiscriminator(spec);
            case BIGGAN_DEEP -> DeepSizes.discriminatorParameters(spec);
            case DCGAN -> spec.autoencoderD() ? autoencoderDiscriminator(spec) : dcganDiscriminator(spec);
        };
    }

    /** Both networks' parameter elements together (saturating). */
    public static long parameters(ModelSpec spec) {
        return ParameterCount.add(generatorParameters(spec), discriminatorParameters(spec));
    }

    /**
     * Refuses a configuration whose G and D together exceed {@link InputLimits#modelParameters()},
     * before anything is allocated: a checkpoint manifest or model config of a few bytes can ask
     * for any width.
     *
     * @param source the file the configuration came from (named in the one-line refusal)
     */
    public static void requireWithinLimit(Object source, ModelSpec spec) {
        long n = parameters(spec);
        String count = n == Long.MAX_VALUE ? "more than " + InputLimits.human(n) : InputLimits.human(n);
        InputLimits.check(source, "its model (" + spec.architecture().name().toLowerCase(Locale.ROOT)
                + " at " + spec.resolution() + " px, model.ch " + spec.ch() + ", " + spec.classes() + " classes) has "
                + count + " parameters, which", n, InputLimits.current().modelParameters(), "model_parameters");
    }

    private static long bigGanGenerator(ModelSpec spec) {
        BigGanTables.GTable table = BigGanTables.generator(spec.architecture(), spec.resolution());
        int n = table.in().length;
        long ch = spec.ch();
        boolean useShared = spec.conditional() && spec.sharedEmbeddingDim() > 0;
        long chunk = spec.hierarchicalZ() ? spec.latentDim() / (n + 1) : 0;
        ParameterCount c = new ParameterCount();
        if (useShared) {
            c.embedding(spec.classes(), spec.sharedEmbeddingDim());
        }
        c.linear(spec.hierarchicalZ() ? chunk : spec.latentDim(), ParameterCount.times(table.in()[0] * ch, 16), true);
        // The blocks' norms, as BigGanGenerator chooses them.
        boolean byClass = spec.conditional() && !useShared;
        boolean byVector = !byClass && (useShared || spec.hierarchicalZ());
        long conditionSize = (useShared ? spec.sharedEmbeddingDim() : 0) + chunk;
        int resolution = 4;
        for (int i = 0; i < n; i++) {
            long in = table.in()[i] * ch;
            long out = table.out()[i] * ch;
            for (long channels : new long[] {in, out}) {
                if (byClass) {
                    c.conditionalBatchNormEmbedding(channels, spec.classes());
                } else if (byVector) {
                    c.conditionalBatchNormLinear(channels, conditionSize);
                } else {
                    c.affineBatchNorm(channels);
                }
            }
            // Every block upsamples, so every block has the 1x1 shortcut.
            c.conv(in, out, 3, true).conv(out, out, 3, true).conv(in, out, 1, true);
            resolution *= 2;
            if (spec.attention().contains(resolution)) {
                c.selfAttention(out);
            }
        }
        long last = table.out()[n - 1] * ch;
        return c.affineBatchNorm(last).conv(last, spec.imageChannels(), 3, true).total();
    }

    private static long bigGanDiscriminator(ModelSpec spec) {
        BigGanTables.DTable table = BigGanTables.discriminator(spec.architecture(), spec.resolution());
        long ch = spec.ch();
        ParameterCount c = new ParameterCount();
        int resolution = spec.resolution();
        for (int i = 0; i < table.out().length; i++) {
            long in = i == 0 ? spec.imageChannels() : table.in()[i] * ch;
            long out = table.out()[i] * ch;
            c.conv(in, out, 3, true).conv(out, out, 3, true);
            if (in != out || table.down()[i]) {
                c.conv(in, out, 1, true);
            }
            if (table.down()[i]) {
                resolution /= 2;
            }
            if (spec.attention().contains(resolution)) {
                c.selfAttention(out);
            }
        }
        long features = table.out()[table.out().length - 1] * ch;
        c.linear(features, 1, true);
        if (spec.conditional()) {
            c.embedding(spec.classes(), features);
        }
        return c.total();
    }

    private static int dcganStages(int resolution) {
        return switch (resolution) {
            case 32 -> 3;
            case 64 -> 4;
            default -> throw new IllegalArgumentException("DCGAN supports 32 and 64 px, not " + resolution + ".");
        };
    }

    private static long dcganGenerator(ModelSpec spec) {
        int stages = dcganStages(spec.resolution());
        boolean bias = !spec.dcganNoBias();
        long channels = ParameterCount.times(spec.ch(), 1L << (stages - 1));
        ParameterCount c = new ParameterCount().conv(spec.latentDim(), channels, 4, bias);
        for (int i = 0; i < stages; i++) {
            if (spec.conditional()) {
                c.conditionalBatchNormEmbedding(channels, spec.classes());
            } else {
                c.affineBatchNorm(channels);
            }
            long next = i == stages - 1 ? spec.imageChannels() : channels / 2;
            c.conv(channels, next, 4, bias);
            channels = next;
        }
        return c.total();
    }

    private static long dcganDiscriminator(ModelSpec spec) {
        int stages = dcganStages(spec.resolution());
        boolean bias = !spec.dcganNoBias();
        ParameterCount c = new ParameterCount();
        long in = spec.imageChannels();
        long out = spec.ch();
        for (int i = 0; i < stages; i++) {
            c.conv(in, out, 4, bias);
            if (i > 0 && spec.dcganCriticBatchNorm()) {
                c.affineBatchNorm(out);
            }
            in = out;
            out = ParameterCount.times(out, 2);
        }
        c.conv(in, 1, 4, bias);
        if (spec.conditional()) {
            c.embedding(spec.classes(), in);
        }
        return c.total();
    }

    private static long autoencoderDiscriminator(ModelSpec spec) {
        boolean bias = !spec.dcganNoBias();
        long image = spec.imageChannels();
        long ch = spec.ch();
        return new ParameterCount().conv(image, ch, 4, bias).conv(ch, 2 * ch, 4, bias).conv(2 * ch, ch, 4, bias)
                .conv(ch, image, 4, bias).total();
    }
}
