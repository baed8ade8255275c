package org.biggan4j.model.biggan;

import org.biggan4j.nn.Container;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.nn.Embedding;
import org.biggan4j.nn.LayerFactory;
import org.biggan4j.nn.Linear;
import org.biggan4j.nn.SelfAttention;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * BigGAN's discriminator, also the SNGAN / SA-GAN ResNet discriminator: residual blocks (the
 * first without a leading ReLU), optional self-attention, ReLU, global sum pooling, and the
 * projection head of Miyato &amp; Koyama (2018): D(x, y) = w^T h + embed(y)^T h.
 */
public final class BigGanDiscriminator extends Discriminator {

    private final ModelSpec spec;
    private final List<DBlock> blocks = new ArrayList<>();
    private final List<SelfAttention> attention = new ArrayList<>();
    private final Linear linear;
    private final Embedding embed;

    public BigGanDiscriminator(ModelSpec spec, LayerFactory layers) {
        this.spec = spec;
        Container blockContainer = own(register_module("blocks", new Container()));
        Container attentionContainer = own(register_module("attention", new Container()));
        BigGanTables.DTable table = BigGanTables.discriminator(spec.architecture(), spec.resolution());
        int resolution = spec.resolution();
        for (int i = 0; i < table.out().length; i++) {
            long in = i == 0 ? spec.imageChannels() : (long) table.in()[i] * spec.ch();
            long out = (long) table.out()[i] * spec.ch();
            blocks.add(blockContainer.add(i, new DBlock(in, out, i > 0, table.down()[i], layers)));
            if (table.down()[i]) {
                resolution /= 2;
            }
            attention.add(spec.attention().contains(resolution)
                    ? attentionContainer.add(i, new SelfAttention(out, layers)) : null);
        }
        long features = (long) table.out()[table.out().length - 1] * spec.ch();
        linear = register_module("linear", layers.linear(features, 1, true));
        embed = spec.conditional() ? register_module("embed", layers.embedding(spec.classes(), features)) : null;
    }

    @Override
    public Tensor forward(Tensor images, Tensor classes) {
        Tensor h = images;
        for (int i = 0; i < blocks.size(); i++) {
            // Under no-grad (scoring samples) each block's intermediates are freed as it returns.
            Tensor in = h;
            var block = blocks.get(i);
            var selfAttention = attention.get(i);
            h = NativeMemory.stage(() -> {
                Tensor out = block.forward(in);
                return selfAttention != null ? selfAttention.forward(out) : out;
            });
        }
        h = torch.relu(h).sum(new long[] {2, 3}, false, null);        // [B, C]
        h = dropoutBeforeHead(h);                                      // training only; 0 = off
        Tensor out = linear.forward(h).reshape(-1);                    // [B]
        if (embed != null) {
            out = out.add(embed.forward(classes).mul(h).sum(new long[] {1}, false, null));
        }
        return out;
    }

    /**
     * Block i is residual block i with the self-attention that follows it, if any (one stage of
     * the table: BigGAN-PyTorch's {@code D.blocks[i]}, which holds both).
     */
    @Override
    public List<List<Module>> blocks() {
        List<List<Module>> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            out.add(attention.get(i) == null ? List.of(blocks.get(i)) : List.of(blocks.get(i), attention.get(i)));
        }
        return out;
    }

    @Override
    public int numClasses() {
        return spec.classes();
    }
}
