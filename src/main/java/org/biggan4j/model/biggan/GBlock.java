package org.biggan4j.model.biggan;

import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.nn.ConditionalBatchNorm2d;
import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * BigGAN's generator block (Brock et al. 2019, figure 15a): cBN, ReLU, 2x nearest upsampling,
 * 3x3 conv, cBN, ReLU, 3x3 conv; the skip path upsamples and applies a 1x1 conv when the
 * channel count changes or the block upsamples. Normalisation is conditional (on a vector, or
 * on class ids) or plain, as the {@link Norms} choice says.
 */
public final class GBlock extends Module {

    /** How a block's batch norms are conditioned. */
    public enum Norms { LINEAR, EMBEDDING, PLAIN }

    private final ConditionalBatchNorm2d cbn1;
    private final ConditionalBatchNorm2d cbn2;
    private final BatchNorm2d bn1;
    private final BatchNorm2d bn2;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d shortcut;
    private final boolean upsample;

    /**
     * @param conditionSize the conditioning vector's size (LINEAR) or the number of classes (EMBEDDING)
     */
    public GBlock(long in, long out, boolean upsample, Norms norms, long conditionSize, double bnEps,
                  LayerFactory layers, LayerFactory embeddings) {
        this.upsample = upsample;
        switch (norms) {
            case LINEAR -> {
                cbn1 = register_module("bn1", ConditionalBatchNorm2d.linear(in, bnEps, conditionSize, layers));
                cbn2 = register_module("bn2", ConditionalBatchNorm2d.linear(out, bnEps, conditionSize, layers));
                bn1 = null;
                bn2 = null;
            }
            case EMBEDDING -> {
                cbn1 = register_module("bn1", ConditionalBatchNorm2d.embedding(in, bnEps, conditionSize, embeddings));
                cbn2 = register_module("bn2", ConditionalBatchNorm2d.embedding(out, bnEps, conditionSize, embeddings));
                bn1 = null;
                bn2 = null;
            }
            default -> {
                bn1 = register_module("bn1", new BatchNorm2d(in, bnEps, true, layers));
                bn2 = register_module("bn2", new BatchNorm2d(out, bnEps, true, layers));
                cbn1 = null;
                cbn2 = null;
            }
        }
        conv1 = register_module("conv1", layers.conv(in, out, 3, true));
        conv2 = register_module("conv2", layers.conv(out, out, 3, true));
        shortcut = in != out || upsample ? register_module("conv_sc", layers.conv(in, out, 1, true)) : null;
    }

    private Tensor norm1(Tensor x, Tensor c) {
        return cbn1 != null ? cbn1.forward(x, c) : bn1.forward(x);
    }

    private Tensor norm2(Tensor x, Tensor c) {
        return cbn2 != null ? cbn2.forward(x, c) : bn2.forward(x);
    }

    /** {@code [B, in, H, W]} to {@code [B, out, 2H, 2W]} (or same size without upsampling). */
    public Tensor forward(Tensor x, Tensor condition) {
        Tensor h = torch.relu(norm1(x, condition));
        if (upsample) {
            h = upsample(h);
            x = upsample(x);
        }
        h = conv1.forward(h);
        h = conv2.forward(torch.relu(norm2(h, condition)));
        return h.add(shortcut == null ? x : shortcut.forward(x));
    }

    static Tensor upsample(Tensor x) {
        return torch.upsample_nearest2d(x, new long[] {x.size(2) * 2, x.size(3) * 2});
    }
}
