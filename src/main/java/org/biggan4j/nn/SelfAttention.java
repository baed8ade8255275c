package org.biggan4j.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * SA-GAN's non-local block (Zhang et al. 2019), as BigGAN uses it: 1x1 convs theta and phi to
 * C/8 channels (queries, keys), g to C/2 (values), 2x2 max-pooling of keys and values, softmax
 * over the pooled key positions, o back to C channels, and the output x + gamma * o with gamma
 * initialised to 0, so the block starts as the identity. Convs are bias-free.
 */
public final class SelfAttention extends Module {

    private final Conv2d theta;
    private final Conv2d phi;
    private final Conv2d g;
    private final Conv2d o;
    private final Tensor gamma;
    private final long channels;

    public SelfAttention(long channels, LayerFactory factory) {
        if (channels < 8) {
            throw new IllegalArgumentException("Self-attention needs at least 8 channels (queries use C/8), got "
                    + channels + ": raise model.ch or move model.attention to a wider layer.");
        }
        this.channels = channels;
        theta = register_module("theta", factory.conv(channels, channels / 8, 1, false));
        phi = register_module("phi", factory.conv(channels, channels / 8, 1, false));
        g = register_module("g", factory.conv(channels, channels / 2, 1, false));
        o = register_module("o", factory.conv(channels / 2, channels, 1, false));
        gamma = Registration.parameter(this, "gamma", torch.zeros(new long[] {}, factory.options()));
    }

    public Tensor forward(Tensor x) {
        long b = x.size(0);
        long h = x.size(2);
        long w = x.size(3);
        long n = h * w;
        Tensor query = theta.forward(x).reshape(b, channels / 8, n);                               // [B, C/8, N]
        Tensor key = torch.max_pool2d(phi.forward(x), new long[] {2, 2}).reshape(b, channels / 8, n / 4); // [B, C/8, N/4]
        Tensor value = torch.max_pool2d(g.forward(x), new long[] {2, 2}).reshape(b, channels / 2, n / 4); // [B, C/2, N/4]
        Tensor attended = (x.device().is_cpu() && b > 1 ? attendPerImage(query, key, value) : attend(query, key, value))
                .reshape(b, channels / 2, h, w);
        if (FlopCounter.counting()) {
            // The two batched products: [N, C/8] x [C/8, N/4] and [C/2, N/4] x [N/4, N]; both operands need gradients.
            long macs = b * n * (n / 4) * (channels / 8) + b * (channels / 2) * (n / 4) * n;
            FlopCounter.record(2 * macs, query, key);
        }
        return x.add(o.forward(attended).mul(gamma));
    }

    /** Values weighted by the softmax over keys of each query: {@code [B, C/2, N]}. */
    static Tensor attend(Tensor query, Tensor key, Tensor value) {
        Tensor attention = torch.softmax(torch.bmm(query.transpose(1, 2), key), -1);                // [B, N, N/4]
        return torch.bmm(value, attention.transpose(1, 2));
    }

    /**
     * The same, one image at a time. On CPU the batched attention matrix ([B, 4096, 1024] at
     * 64x64: 537 MB for 32 images) is far larger than the caches, and its product, softmax and
     * their gradients run at memory speed; one image's 16 MB stays cached. Measured at 64x64 with
     * 32 images of 32 channels: forward 1.97 s -> 0.18 s, backward 3.6 s -> 1.1 s. The same
     * arithmetic per image, so the same result.
     */
    static Tensor attendPerImage(Tensor query, Tensor key, Tensor value) {
        long b = query.size(0);
        Tensor[] parts = new Tensor[(int) b];
        for (int i = 0; i < b; i++) {
            parts[i] = attend(query.narrow(0, i, 1), key.narrow(0, i, 1), value.narrow(0, i, 1));
        }
        return torch.cat(new TensorVector(parts), 0);
    }

    /** The learned gain. */
    public Tensor gamma() {
        return gamma;
    }
}
