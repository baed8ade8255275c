package org.biggan4j.model.dcgan;

import org.biggan4j.model.Discriminator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.nn.Container;
import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.ConvTranspose2d;
import org.biggan4j.nn.LayerFactory;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * EBGAN's discriminator (Zhao et al. 2017): an auto-encoder whose score is the energy
 * E(x) = mean squared reconstruction error of each image. The encoder halves the resolution
 * twice (4x4 stride-2 convs, LeakyReLU); the decoder mirrors it with transposed convs and ends
 * in tanh. {@link #lastEmbedding()} returns the flattened codes of the latest forward, for the
 * pull-away term. No BatchNorm, so each image's energy is its own.
 */
public final class AutoencoderDiscriminator extends Discriminator {

    private final List<Conv2d> encoder = new ArrayList<>();
    private final List<ConvTranspose2d> decoder = new ArrayList<>();
    private final ModelSpec spec;
    private Tensor lastCodes;

    public AutoencoderDiscriminator(ModelSpec spec, LayerFactory layers) {
        this.spec = spec;
        boolean bias = !spec.dcganNoBias();
        Container enc = own(register_module("encoder", new Container()));
        Container dec = own(register_module("decoder", new Container()));
        long c = spec.imageChannels();
        long ch = spec.ch();
        encoder.add(enc.add(0, layers.conv(c, ch, 4, 2, 1, bias)));
        encoder.add(enc.add(1, layers.conv(ch, 2 * ch, 4, 2, 1, bias)));
        decoder.add(dec.add(0, layers.convTranspose(2 * ch, ch, 4, 2, 1, bias)));
        decoder.add(dec.add(1, layers.convTranspose(ch, c, 4, 2, 1, bias)));
    }

    @Override
    public Tensor forward(Tensor images, Tensor classes) {
        Tensor h = torch.leaky_relu(encoder.get(0).forward(images), new Scalar(0.2));
        Tensor code = torch.leaky_relu(encoder.get(1).forward(h), new Scalar(0.2));   // [B, 2ch, R/4, R/4]
        lastCodes = code.reshape(code.size(0), -1);
        Tensor r = torch.relu(decoder.get(0).forward(code));
        Tensor reconstruction = torch.tanh(decoder.get(1).forward(r));
        Tensor diff = reconstruction.sub(images, new Scalar(1.0));
        return diff.mul(diff).reshape(images.size(0), -1).mean(new long[] {1}, false, null);
    }

    @Override
    public Tensor lastEmbedding() {
        return lastCodes;
    }

    @Override
    public int numClasses() {
        return spec.classes();
    }
}
