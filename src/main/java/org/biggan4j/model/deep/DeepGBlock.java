package org.biggan4j.model.deep;

import org.biggan4j.nn.ConditionalBatchNorm2d;
import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * BigGAN-deep's generator block (figure 16a): a bottleneck of cBN-ReLU-1x1 conv (to C/4),
 * cBN-ReLU-[upsample]-3x3 conv, cBN-ReLU-3x3 conv, cBN-ReLU-1x1 conv (to C_out). The skip path
 * keeps identity: it drops the extra channels (keeping the first C_out) and upsamples.
 */
final class DeepGBlock extends Module {

    private final ConditionalBatchNorm2d bn0;
    private final ConditionalBatchNorm2d bn1;
    private final ConditionalBatchNorm2d bn2;
    private final ConditionalBatchNorm2d bn3;
    private final Conv2d conv0;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d conv3;
    private final boolean upsample;
    private final long out;

    /**
     * @param statisticsRows 0 = ordinary BatchNorm statistics; n &gt; 1 = tables indexed by truncation
     */
    DeepGBlock(long in, long out, boolean upsample, long conditionSize, double bnEps, int statisticsRows,
               LayerFactory layers) {
        this.upsample = upsample;
        this.out = out;
        long hidden = in / 4;
        bn0 = register_module("bn_0", ConditionalBatchNorm2d.linear(in, bnEps, conditionSize, statisticsRows, layers));
        conv0 = register_module("conv_0", layers.conv(in, hidden, 1, true));
        bn1 = register_module("bn_1", ConditionalBatchNorm2d.linear(hidden, bnEps, conditionSize, statisticsRows, layers));
        conv1 = register_module("conv_1", layers.conv(hidden, hidden, 3, true));
        bn2 = register_module("bn_2", ConditionalBatchNorm2d.linear(hidden, bnEps, conditionSize, statisticsRows, layers));
        conv2 = register_module("conv_2", layers.conv(hidden, hidden, 3, true));
        bn3 = register_module("bn_3", ConditionalBatchNorm2d.linear(hidden, bnEps, conditionSize, statisticsRows, layers));
        conv3 = register_module("conv_3", layers.conv(hidden, out, 1, true));
    }

    Tensor forward(Tensor x, Tensor condition) {
        Tensor h = conv0.forward(torch.relu(bn0.forward(x, condition)));
        h = torch.relu(bn1.forward(h, condition));
        Tensor skip = x.size(1) != out ? x.narrow(1, 0, out) : x;
        if (upsample) {
            h = up(h);
            skip = up(skip);
        }
        h = conv1.forward(h);
        h = conv2.forward(torch.relu(bn2.forward(h, condition)));
        h = conv3.forward(torch.relu(bn3.forward(h, condition)));
        return h.add(skip);
    }

    /** Chooses every BatchNorm's statistics rows for {@code truncation} (tables indexed by truncation only). */
    void selectTruncation(double truncation) {
        for (ConditionalBatchNorm2d bn : new ConditionalBatchNorm2d[] {bn0, bn1, bn2, bn3}) {
            bn.batchNorm().selectTruncation(truncation);
        }
    }

    static Tensor up(Tensor x) {
        return torch.upsample_nearest2d(x, new long[] {x.size(2) * 2, x.size(3) * 2});
    }
}
