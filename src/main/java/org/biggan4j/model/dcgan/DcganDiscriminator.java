package org.biggan4j.model.dcgan;

import org.biggan4j.model.Discriminator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.nn.Container;
import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.Embedding;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * DCGAN's discriminator: stride-2 4x4 convs doubling the channels from ch, LeakyReLU(0.2),
 * BatchNorm after all but the first (switchable off, as WGAN-GP's per-sample penalty requires),
 * and a final 4x4 valid conv to one score, without sigmoid (objectives apply their own link).
 * Conditional models add a projection term on the summed 4x4 features.
 */
public final class DcganDiscriminator extends Discriminator {

    private final ModelSpec spec;
    private final List<Conv2d> convs = new ArrayList<>();
    private final List<BatchNorm2d> norms = new ArrayList<>();
    private final Conv2d head;
    private final Embedding embed;

    /** Down/up-sampling stages between 4x4 and the resolution. */
    static int stages(int resolution) {
        return switch (resolution) {
            case 32 -> 3;
            case 64 -> 4;
            default -> throw new IllegalArgumentException("DCGAN supports 32 and 64 px, not " + resolution + ".");
        };
    }

    public DcganDiscriminator(ModelSpec spec, LayerFactory layers) {
        this.spec = spec;
        int stages = stages(spec.resolution());
        boolean bias = !spec.dcganNoBias();
        Container convContainer = own(register_module("convs", new Container()));
        Container normContainer = own(register_module("norms", new Container()));
        long in = spec.imageChannels();
        long out = spec.ch();
        for (int i = 0; i < stages; i++) {
            convs.add(convContainer.add(i, layers.conv(in, out, 4, 2, 1, bias)));
            norms.add(i > 0 && spec.dcganCriticBatchNorm()
                    ? normContainer.add(i, new BatchNorm2d(out, spec.bnEps(), true, layers)) : null);
            in = out;
            out *= 2;
        }
        head = register_module("head", layers.conv(in, 1, 4, 1, 0, bias));
        embed = spec.conditional() ? register_module("embed", layers.embedding(spec.classes(), in)) : null;
    }

    /** BatchNorm in the critic makes a score depend on the rest of its batch. */
    @Override
    public boolean scoresBatchIndependent() {
        return !spec.dcganCriticBatchNorm();
    }

    /** The 4x4 feature map before the head. */
    Tensor features(Tensor images) {
        Tensor h = images;
        for (int i = 0; i < convs.size(); i++) {
            h = convs.get(i).forward(h);
            if (norms.get(i) != null) {
                h = norms.get(i).forward(h);
            }
            h = torch.leaky_relu(h, new Scalar(0.2));
        }
        return h;
    }

    @Override
    public Tensor forward(Tensor images, Tensor classes) {
        Tensor h = dropoutBeforeHead(features(images));                // [B, C, 4, 4]; training only
        Tensor out = head.forward(h).reshape(-1);
        if (embed != null) {
            out = out.add(embed.forward(classes).mul(h.sum(new long[] {2, 3}, false, null))
                    .sum(new long[] {1}, false, null));
        }
        return out;
    }

    @Override
    public int numClasses() {
        return spec.classes();
    }
}
