package org.biggan4j.model.dcgan;

import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.SpecifiedGenerator;
import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.nn.ConditionalBatchNorm2d;
import org.biggan4j.nn.Container;
import org.biggan4j.nn.ConvTranspose2d;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * DCGAN's generator (Radford et al. 2016): z as a 1x1 map, a 4x4 transposed conv to 4ch (32 px)
 * or 8ch (64 px) channels, then stride-2 4x4 transposed convs halving the channels and doubling
 * the resolution, BatchNorm and ReLU between, tanh at the end. Conditional models use class-
 * conditional BN. With {@code dcgan_no_bias} no conv has a bias (the WGAN paper's setting; BN
 * keeps its affine parameters, as the WGAN reference code does).
 */
public final class DcganGenerator extends SpecifiedGenerator {

    private final List<ConvTranspose2d> convs = new ArrayList<>();
    private final List<BatchNorm2d> norms = new ArrayList<>();
    private final List<ConditionalBatchNorm2d> conditionalNorms = new ArrayList<>();

    public DcganGenerator(ModelSpec spec, LayerFactory layers) {
        super(spec);
        int stages = DcganDiscriminator.stages(spec.resolution());
        boolean bias = !spec.dcganNoBias();
        Container convContainer = own(register_module("convs", new Container()));
        Container normContainer = own(register_module("norms", new Container()));
        long channels = (long) spec.ch() << (stages - 1);
        convs.add(convContainer.add(0, layers.convTranspose(spec.latentDim(), channels, 4, 1, 0, bias)));
        for (int i = 0; i < stages; i++) {
            if (spec.conditional()) {
                conditionalNorms.add(normContainer.add(i, ConditionalBatchNorm2d.embedding(channels, spec.bnEps(),
                        spec.classes(), layers.withSpectralNorm(false))));
            } else {
                norms.add(normContainer.add(i, new BatchNorm2d(channels, spec.bnEps(), true, layers)));
            }
            long next = i == stages - 1 ? spec.imageChannels() : channels / 2;
            convs.add(convContainer.add(i + 1, layers.convTranspose(channels, next, 4, 2, 1, bias)));
            channels = next;
        }
    }

    @Override
    public Tensor forward(Tensor z, Tensor classes) {
        Tensor h = convs.get(0).forward(z.reshape(z.size(0), -1, 1, 1));      // [B, 4ch, 4, 4]
        for (int i = 1; i < convs.size(); i++) {
            Tensor normalised = spec.conditional() ? conditionalNorms.get(i - 1).forward(h, classes)
                    : norms.get(i - 1).forward(h);
            h = convs.get(i).forward(torch.relu(normalised));
        }
        return torch.tanh(h);
    }
}
