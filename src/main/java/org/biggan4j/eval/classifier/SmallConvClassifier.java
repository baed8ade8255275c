package org.biggan4j.eval.classifier;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.DropoutImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * A small convolutional classifier for 32x32 images (28x28 datasets padded with -1, as the
 * GAN presets see them). It is the feature network for datasets without an Inception network:
 * the BigGAN paper evaluates its JFT-300M models with a classifier trained on that data
 * (section 5.2); for Fashion-MNIST this one plays that role. FID and precision/recall use the
 * 256-dimensional {@link #features} (after ReLU, before the classification layer); IS and class
 * accuracy use {@link #logits}.
 *
 * <p>Layout: conv 3x3 (C -> 32) BN ReLU, max-pool; conv (32 -> 64) BN ReLU; conv (64 -> 64) BN
 * ReLU, max-pool; conv (64 -> 128) BN ReLU, max-pool; flatten 128 x 4 x 4; linear 2048 -> 256,
 * ReLU; dropout 0.3; linear 256 -> classes.
 */
public final class SmallConvClassifier extends Module {

    /** Width of {@link #features}. */
    public static final int FEATURES = 256;

    private final Conv2dImpl conv1;
    private final Conv2dImpl conv2;
    private final Conv2dImpl conv3;
    private final Conv2dImpl conv4;
    private final BatchNorm2dImpl bn1;
    private final BatchNorm2dImpl bn2;
    private final BatchNorm2dImpl bn3;
    private final BatchNorm2dImpl bn4;
    private final LinearImpl fc;
    private final DropoutImpl dropout;
    private final LinearImpl out;
    private final int channels;
    private final int classes;

    public SmallConvClassifier(int channels, int classes) {
        this.channels = channels;
        this.classes = classes;
        conv1 = register_module("conv1", new Conv2dImpl(conv(channels, 32)));
        bn1 = register_module("bn1", new BatchNorm2dImpl(new BatchNormOptions(32)));
        conv2 = register_module("conv2", new Conv2dImpl(conv(32, 64)));
        bn2 = register_module("bn2", new BatchNorm2dImpl(new BatchNormOptions(64)));
        conv3 = register_module("conv3", new Conv2dImpl(conv(64, 64)));
        bn3 = register_module("bn3", new BatchNorm2dImpl(new BatchNormOptions(64)));
        conv4 = register_module("conv4", new Conv2dImpl(conv(64, 128)));
        bn4 = register_module("bn4", new BatchNorm2dImpl(new BatchNormOptions(128)));
        fc = register_module("fc", new LinearImpl(128 * 4 * 4, FEATURES));
        dropout = register_module("dropout", new DropoutImpl(0.3));
        out = register_module("out", new LinearImpl(FEATURES, classes));
    }

    private static Conv2dOptions conv(long in, long outChannels) {
        Conv2dOptions o = new Conv2dOptions(in, outChannels, new LongPointer(3L, 3L));
        o.padding().put(new LongPointer(1L, 1L));
        return o;
    }

    public int channels() {
        return channels;
    }

    public int classes() {
        return classes;
    }

    /** Penultimate features {@code [B, 256]} of images {@code [B, C, 32, 32]} in [-1, 1]. */
    public Tensor features(Tensor images) {
        if (images.dim() != 4 || images.size(2) != 32 || images.size(3) != 32 || images.size(1) != channels) {
            throw new IllegalArgumentException("The classifier takes [B, " + channels + ", 32, 32] images, got "
                    + Arrays.toString(Tensors.shape(images)) + ".");
        }
        Tensor h = torch.max_pool2d(torch.relu(bn1.forward(conv1.forward(images))), new long[] {2, 2});    // 16
        h = torch.relu(bn2.forward(conv2.forward(h)));
        h = torch.max_pool2d(torch.relu(bn3.forward(conv3.forward(h))), new long[] {2, 2});                // 8
        h = torch.max_pool2d(torch.relu(bn4.forward(conv4.forward(h))), new long[] {2, 2});                // 4
        return torch.relu(fc.forward(h.reshape(h.size(0), -1)));
    }

    /** Class logits {@code [B, classes]} from {@link #features}. */
    public Tensor logitsFromFeatures(Tensor features) {
        return out.forward(dropout.forward(features));
    }

    /** Class logits {@code [B, classes]}. */
    public Tensor logits(Tensor images) {
        return logitsFromFeatures(features(images));
    }
}
