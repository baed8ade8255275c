package org.biggan4j.model.biggan;

import org.biggan4j.nn.Container;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.SpecifiedGenerator;
import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.nn.Conv2d;
import org.biggan4j.nn.Embedding;
import org.biggan4j.nn.LayerFactory;
import org.biggan4j.nn.Linear;
import org.biggan4j.nn.SelfAttention;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * BigGAN's generator (Brock et al. 2019, section 3 and appendix B) and, with other tables and
 * switches, the SNGAN / SA-GAN ResNet generators.
 *
 * <p>z is split into equal chunks when {@code hierarchicalZ} (one for the input linear layer,
 * one per block, 20 values each at the paper's sizes); the shared class embedding is
 * concatenated before each block's chunk, {@code [embedding, chunk]}, and projected by every
 * conditional BN of the block. Without a shared embedding each cBN has its own class
 * embedding (BigGAN-PyTorch's CIFAR setting); without classes and without hierarchical z the
 * batch norms are plain. The output layer is BN, ReLU, 3x3 conv to the image channels, tanh.
 */
public final class BigGanGenerator extends SpecifiedGenerator {

    private final Embedding shared;
    private final Linear linear;
    private final List<GBlock> blocks = new ArrayList<>();
    private final List<SelfAttention> attention = new ArrayList<>();
    private final BatchNorm2d outputBn;
    private final Conv2d outputConv;
    private final int bottomChannels;
    private final int chunk;
    private final GBlock.Norms norms;

    public BigGanGenerator(ModelSpec spec, LayerFactory layers) {
        super(spec);
        Container blockContainer = own(register_module("blocks", new Container()));
        Container attentionContainer = own(register_module("attention", new Container()));
        BigGanTables.GTable table = BigGanTables.generator(spec.architecture(), spec.resolution());
        int n = table.in().length;
        LayerFactory plain = layers.withSpectralNorm(false);
        boolean useShared = spec.conditional() && spec.sharedEmbeddingDim() > 0;
        if (spec.hierarchicalZ()) {
            if (spec.latentDim() % (n + 1) != 0) {
                throw new IllegalArgumentException("model.latent_dim " + spec.latentDim() + " cannot be split into the "
                        + (n + 1) + " equal z chunks of a " + spec.resolution() + " px hierarchical BigGAN: use "
                        + (spec.latentDim() / (n + 1)) * (n + 1) + " or " + (spec.latentDim() / (n + 1) + 1) * (n + 1) + ".");
            }
            chunk = spec.latentDim() / (n + 1);
        } else {
            chunk = 0;
        }
        long conditionSize;
        if (spec.conditional() && !useShared) {
            if (spec.hierarchicalZ()) {
                throw new IllegalArgumentException("Hierarchical z needs the shared class embedding in a conditional "
                        + "BigGAN: set model.shared_embedding_dim (128) or model.hierarchical_z=false.");
            }
            norms = GBlock.Norms.EMBEDDING;
            conditionSize = spec.classes();
        } else if (useShared || spec.hierarchicalZ()) {
            norms = GBlock.Norms.LINEAR;
            conditionSize = (useShared ? spec.sharedEmbeddingDim() : 0) + chunk;
        } else {
            norms = GBlock.Norms.PLAIN;
            conditionSize = 0;
        }
        // BigGAN-PyTorch's G embeddings are plain nn.Embedding (no spectral norm).
        shared = useShared ? register_module("shared", plain.embedding(spec.classes(), spec.sharedEmbeddingDim())) : null;
        bottomChannels = table.in()[0] * spec.ch();
        linear = register_module("linear", layers.linear(spec.hierarchicalZ() ? chunk : spec.latentDim(),
                (long) bottomChannels * 16, true));
        int resolution = 4;
        for (int i = 0; i < n; i++) {
            resolution *= 2;
            blocks.add(blockContainer.add(i, new GBlock((long) table.in()[i] * spec.ch(),
                    (long) table.out()[i] * spec.ch(), true, norms, conditionSize, spec.bnEps(), layers, plain)));
            attention.add(spec.attention().contains(resolution)
                    ? attentionContainer.add(i, new SelfAttention((long) table.out()[i] * spec.ch(), layers))
                    : null);
        }
        long last = (long) table.out()[n - 1] * spec.ch();
        outputBn = register_module("output_bn", new BatchNorm2d(last, spec.bnEps(), true, layers));
        outputConv = register_module("output_conv", layers.conv(last, spec.imageChannels(), 3, true));
    }

    @Override
    public Tensor forward(Tensor z, Tensor classes) {
        return forwardEmbedded(z, shared != null ? shared.forward(classes) : null, classes);
    }

    /**
     * Forward with class mixtures ({@code [B, classes]} weights, e.g. one-hot or 0.5/0.5): the
     * shared embedding of a mixture is the mixture of embeddings. Needs the shared embedding.
     */
    @Override
    public boolean acceptsSoftClasses() {
        return shared != null;
    }

    @Override
    public Tensor forwardSoft(Tensor z, Tensor classWeights) {
        if (shared == null) {
            throw new IllegalArgumentException("Soft classes need a generator with a shared class embedding.");
        }
        return forwardEmbedded(z, shared.mix(classWeights), null);
    }

    /**
     * The input of the first block, {@code [B, 16 ch, 4, 4]}: the linear layer applied to z (its
     * first chunk with hierarchical z), read as NCHW. Exposed to localise differences against
     * reference implementations.
     */
    public Tensor initialFeatures(Tensor z) {
        return linear.forward(spec.hierarchicalZ() ? z.split(chunk, 1).get(0) : z)
                .reshape(z.size(0), bottomChannels, 4, 4);
    }

    private Tensor forwardEmbedded(Tensor z, Tensor embedded, Tensor classes) {
        TensorVector chunks = spec.hierarchicalZ() ? z.split(chunk, 1) : null;
        Tensor h = initialFeatures(z);
        for (int i = 0; i < blocks.size(); i++) {
            Tensor condition = switch (norms) {
                case EMBEDDING -> classes;
                case PLAIN -> null;
                case LINEAR -> chunks == null ? embedded
                        : embedded == null ? chunks.get(i + 1)
                        : torch.cat(new TensorVector(embedded, chunks.get(i + 1)), 1);
            };
            // Under no-grad (sampling) each block's intermediates are freed as it returns.
            Tensor in = h;
            var block = blocks.get(i);
            var selfAttention = attention.get(i);
            h = NativeMemory.stage(() -> {
                Tensor out = block.forward(in, condition);
                return selfAttention != null ? selfAttention.forward(out) : out;
            });
        }
        return torch.tanh(outputConv.forward(torch.relu(outputBn.forward(h))));
    }
}
