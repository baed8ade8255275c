package org.biggan4j.model.deep;

import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * BigGAN-deep's discriminator block (figure 16b): ReLU-1x1 conv to C_out/4, two ReLU-3x3 convs,
 * ReLU, [average pooling], 1x1 conv to C_out. The skip path keeps identity: [pooling], then the
 * input concatenated with C_out - C_in new channels from a 1x1 conv when C_out > C_in.
 */
final class DeepDBlock extends Module {

    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d conv3;
    private final Conv2d conv4;
    private final Conv2d shortcut;
    private final boolean downsample;

    DeepDBlock(long in, long out, boolean downsample, LayerFactory layers) {
        if (out < in) {
            throw new IllegalArgumentException("A BigGAN-deep D block cannot reduce channels (" + in + " -> " + out + ").");
        }
        this.downsample = downsample;
        long hidden = out / 4;
        conv1 = register_module("conv1", layers.conv(in, hidden, 1, true));
        conv2 = register_module("conv2", layers.conv(hidden, hidden, 3, true));
        conv3 = register_module("conv3", layers.conv(hidden, hidden, 3, true));
        conv4 = register_module("conv4", layers.conv(hidden, out, 1, true));
        shortcut = out > in ? register_module("conv_sc", layers.conv(in, out - in, 1, true)) : null;
    }

    Tensor forward(Tensor x) {
        Tensor h = conv1.forward(torch.relu(x));
        h = conv2.forward(torch.relu(h));
        h = torch.relu(conv3.forward(torch.relu(h)));
        Tensor skip = x;
        if (downsample) {
            h = torch.avg_pool2d(h, new long[] {2, 2});
            skip = torch.avg_pool2d(skip, new long[] {2, 2});
        }
        h = conv4.forward(h);
        if (shortcut != null) {
            skip = torch.cat(new TensorVector(skip, shortcut.forward(skip)), 1);
        }
        return h.add(skip);
    }
}
