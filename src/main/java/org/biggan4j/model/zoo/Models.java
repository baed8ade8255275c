package org.biggan4j.model.zoo;

import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.Generator;
import org.biggan4j.model.Discriminator;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.biggan.BigGanDiscriminator;
import org.biggan4j.model.biggan.BigGanGenerator;
import org.biggan4j.model.dcgan.AutoencoderDiscriminator;
import org.biggan4j.model.dcgan.DcganDiscriminator;
import org.biggan4j.model.dcgan.DcganGenerator;
import org.biggan4j.model.deep.DeepDiscriminator;
import org.biggan4j.model.deep.DeepGenerator;
import org.biggan4j.nn.LayerFactory;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;

import java.util.HashSet;

/** Builds generators and discriminators by architecture name. */
public final class Models {

    private Models() {
    }

    /** The spec of a configured model once the data's classes and channels are known. */
    public static ModelSpec spec(TrainConfig.ModelConfig m, boolean autoencoderD, int dataClasses, int dataChannels) {
        int classes = !m.conditional() ? 0 : m.classes() > 0 ? m.classes() : dataClasses;
        int channels = m.imageChannels() > 0 ? m.imageChannels() : dataChannels;
        return new ModelSpec(m.architecture(), m.resolution(), m.ch(), classes, m.latentDim(), m.sharedEmbeddingDim(),
                m.hierarchicalZ(), new HashSet<>(m.attention()), channels, m.spectralNormG(), m.spectralNormD(),
                m.init(), m.bnEps(), m.snEps(), m.dcganNoBias(), m.dcganCriticBatchNorm(), autoencoderD,
                m.truncationBnRows());
    }

    /** A generator on {@code device} (CPU weights moved there), or shape-only on the meta device. */
    public static Generator generator(ModelSpec spec, ComputeDevice device) {
        LayerFactory layers = new LayerFactory(spec.spectralNormG(), spec.snEps(), 1, spec.init(),
                device.type().equals("meta"));
        Generator g = switch (spec.architecture()) {
            case BIGGAN, SNGAN_RESNET, SAGAN_RESNET -> new BigGanGenerator(spec, layers);
            case BIGGAN_DEEP -> new DeepGenerator(spec, layers);
            case DCGAN -> new DcganGenerator(spec, layers);
        };
        moveTo(g, device);
        return g;
    }

    /** A discriminator on {@code device}, or shape-only on the meta device. */
    public static Discriminator discriminator(ModelSpec spec, ComputeDevice device) {
        LayerFactory layers = new LayerFactory(spec.spectralNormD(), spec.snEps(), 1, spec.init(),
                device.type().equals("meta"));
        Discriminator d = switch (spec.architecture()) {
            case BIGGAN, SNGAN_RESNET, SAGAN_RESNET -> new BigGanDiscriminator(spec, layers);
            case BIGGAN_DEEP -> new DeepDiscriminator(spec, layers);
            case DCGAN -> spec.autoencoderD() ? new AutoencoderDiscriminator(spec, layers)
                    : new DcganDiscriminator(spec, layers);
        };
        moveTo(d, device);
        return d;
    }

    private static void moveTo(Module m, ComputeDevice device) {
        if (device.isCuda()) {
            m.to(device.torchDevice(), false);
        }
    }

    /** Number of parameter elements of a module. */
    public static long parameterCount(Module module) {
        StringTensorDict params = module.named_parameters(true);
        long n = 0;
        for (long i = 0; i < params.size(); i++) {
            n += params.get(i).value().numel();
        }
        return n;
    }
}
