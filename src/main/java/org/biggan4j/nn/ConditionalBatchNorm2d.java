package org.biggan4j.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Class-conditional batch normalisation (de Vries et al. 2017; Miyato &amp; Koyama 2018; BigGAN
 * section 3): BN without affine parameters, then a per-sample gain {@code 1 + proj_g(c)} and bias
 * {@code proj_b(c)} from the block's conditioning. The gain is centred at 1 (the "+1" other ports
 * forget), the bias at 0.
 *
 * <p>Two forms: with {@link #linear} projections of a conditioning vector (BigGAN's shared
 * embedding, with the z chunk for hierarchical z), or with {@link #embedding} tables indexed by
 * class id (BigGAN-PyTorch without a shared embedding, its CIFAR configuration). State-dict
 * names: {@code bn.*} (statistics), {@code gain.*}, {@code bias.*}.
 */
public final class ConditionalBatchNorm2d extends Module {

    private final BatchNorm2d bn;
    private final Linear gainLinear;
    private final Linear biasLinear;
    private final Embedding gainEmbedding;
    private final Embedding biasEmbedding;

    private ConditionalBatchNorm2d(long channels, double eps, LayerFactory factory, long conditionDim, long classes,
                                   int statisticsRows) {
        bn = register_module("bn", new BatchNorm2d(channels, eps, false, statisticsRows, factory));
        if (conditionDim > 0) {
            gainLinear = register_module("gain", factory.linear(conditionDim, channels, false));
            biasLinear = register_module("bias", factory.linear(conditionDim, channels, false));
            gainEmbedding = null;
            biasEmbedding = null;
        } else {
            gainEmbedding = register_module("gain", factory.embedding(classes, channels));
            biasEmbedding = register_module("bias", factory.embedding(classes, channels));
            gainLinear = null;
            biasLinear = null;
        }
    }

    /** Gain and bias as bias-free linear maps of a {@code conditionDim} vector. */
    public static ConditionalBatchNorm2d linear(long channels, double eps, long conditionDim, LayerFactory factory) {
        return new ConditionalBatchNorm2d(channels, eps, factory, conditionDim, 0, 0);
    }

    /**
     * Linear gain and bias, with statistics tables indexed by truncation ({@code statisticsRows}
     * &gt; 0, see {@link BatchNorm2d}) or ordinary running statistics (0).
     */
    public static ConditionalBatchNorm2d linear(long channels, double eps, long conditionDim, int statisticsRows,
                                                LayerFactory factory) {
        return new ConditionalBatchNorm2d(channels, eps, factory, conditionDim, 0, statisticsRows);
    }

    /** Gain and bias looked up per class id. */
    public static ConditionalBatchNorm2d embedding(long channels, double eps, long classes, LayerFactory factory) {
        return new ConditionalBatchNorm2d(channels, eps, factory, 0, classes, 0);
    }

    /**
     * @param x         {@code [B, C, H, W]}
     * @param condition {@code [B, conditionDim]} for the linear form; class ids {@code [B]} for the embedding form
     */
    public Tensor forward(Tensor x, Tensor condition) {
        Tensor g;
        Tensor b;
        if (gainLinear != null) {
            g = gainLinear.forward(condition);
            b = biasLinear.forward(condition);
        } else {
            g = gainEmbedding.forward(condition);
            b = biasEmbedding.forward(condition);
        }
        long n = x.size(0);
        return bn.normalise(x, g.add(new Scalar(1.0)).reshape(n, -1, 1, 1), b.reshape(n, -1, 1, 1));
    }

    /** The statistics layer (standing statistics, running moments). */
    public BatchNorm2d batchNorm() {
        return bn;
    }
}
