package org.biggan4j.model.deep;

import org.biggan4j.model.ParameterCount;
import org.biggan4j.model.ModelSpec;

/**
 * BigGAN-deep's parameter counts from its tables, for {@code model.zoo.ModelSize}; mirrors
 * {@link DeepGenerator}, {@link DeepGBlock}, {@link DeepDiscriminator} and {@link DeepDBlock}.
 */
public final class DeepSizes {

    private DeepSizes() {
    }

    public static long generatorParameters(ModelSpec spec) {
        DeepTables.GTable table = DeepTables.lookup(DeepTables.GENERATOR, spec.resolution());
        long ch = spec.ch();
        long embedding = spec.conditional() ? Math.max(1, spec.sharedEmbeddingDim()) : 0;
        long condition = spec.latentDim() + embedding;
        ParameterCount c = new ParameterCount();
        if (spec.conditional()) {
            c.embedding(spec.classes(), embedding);
        }
        c.linear(condition, 16 * table.blocks()[0][1] * ch, true);
        int resolution = 4;
        boolean attention = false;
        for (int[] b : table.blocks()) {
            long in = b[1] * ch;
            long out = b[2] * ch;
            if (!attention && b[0] == 0 && spec.attention().contains(resolution)) {
                // One attention layer, before the first non-resampling block at an attention resolution.
                c.selfAttention(in);
                attention = true;
            }
            long hidden = in / 4;
            c.conditionalBatchNormLinear(in, condition).conv(in, hidden, 1, true);
            for (int i = 0; i < 3; i++) {
                c.conditionalBatchNormLinear(hidden, condition);
            }
            c.conv(hidden, hidden, 3, true).conv(hidden, hidden, 3, true).conv(hidden, out, 1, true);
            if (b[0] == 1) {
                resolution *= 2;
            }
        }
        long last = table.blocks()[table.blocks().length - 1][2] * ch;
        return c.affineBatchNorm(last).conv(last, last, 3, true).total();
    }

    public static long discriminatorParameters(ModelSpec spec) {
        DeepTables.DTable table = DeepTables.lookup(DeepTables.DISCRIMINATOR, spec.resolution());
        long ch = spec.ch();
        ParameterCount c = new ParameterCount();
        c.conv(spec.imageChannels(), table.in()[0] * ch, 3, true);
        int resolution = spec.resolution();
        boolean attention = false;
        for (int stage = 0; stage < table.out().length; stage++) {
            long in = table.in()[stage] * ch;
            long out = table.out()[stage] * ch;
            block(c, in, out);
            if (table.down()[stage]) {
                resolution /= 2;
            }
            block(c, out, out);
            if (!attention && spec.attention().contains(resolution)) {
                c.selfAttention(out);
                attention = true;
            }
        }
        long features = table.out()[table.out().length - 1] * ch;
        c.linear(features, 1, true);
        if (spec.conditional()) {
            c.embedding(spec.classes(), features);
        }
        return c.total();
    }

    /** {@link DeepDBlock}: 1x1 to out/4, two 3x3, 1x1 to out, and a 1x1 shortcut for the added channels. */
    private static void block(ParameterCount c, long in, long out) {
        long hidden = out / 4;
        c.conv(in, hidden, 1, true).conv(hidden, hidden, 3, true).conv(hidden, hidden, 3, true)
                .conv(hidden, out, 1, true);
        if (out > in) {
            c.conv(in, out - in, 1, true);
        }
    }
}
