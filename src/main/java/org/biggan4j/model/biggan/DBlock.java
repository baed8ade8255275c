package org.biggan4j.model.biggan;

import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * BigGAN's discriminator block (figure 15b): ReLU, 3x3 conv, ReLU, 3x3 conv, 2x2 average
 * pooling; the skip path is a 1x1 conv (when channels change or the block downsamples) and the
 * pooling. The first block has no leading ReLU (on the image), and its skip pools before the
 * 1x1 conv, as BigGAN-PyTorch's DBlock does without pre-activation.
 */
public final class DBlock extends Module {

    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d shortcut;
    private final boolean preactivation;
    private final boolean downsample;

    public DBlock(long in, long out, boolean preactivation, boolean downsample, LayerFactory layers) {
        this.preactivation = preactivation;
        this.downsample = downsample;
        conv1 = register_module("conv1", layers.conv(in, out, 3, true));
        conv2 = register_module("conv2", layers.conv(out, out, 3, true));
        shortcut = in != out || downsample ? register_module("conv_sc", layers.conv(in, out, 1, true)) : null;
    }

    public Tensor forward(Tensor x) {
        Tensor h = preactivation ? torch.relu(x) : x;
        h = conv2.forward(torch.relu(conv1.forward(h)));
        if (downsample) {
            h = pool(h);
        }
        Tensor skip = x;
        if (preactivation) {
            if (shortcut != null) {
                skip = shortcut.forward(skip);
            }
            if (downsample) {
                skip = pool(skip);
            }
        } else {
            if (downsample) {
                skip = pool(skip);
            }
            if (shortcut != null) {
                skip = shortcut.forward(skip);
            }
        }
        return h.add(skip);
    }

    static Tensor pool(Tensor x) {
        return torch.avg_pool2d(x, new long[] {2, 2});
    }
}
