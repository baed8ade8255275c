package org.biggan4j.model.deep;

import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.nn.Container;
import org.biggan4j.nn.Conv2d;
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
 * BigGAN-deep's discriminator: a 3x3 input conv to ch channels, stages of two bottleneck
 * blocks (the first of a stage widens and downsamples), optional self-attention, ReLU, global
 * sum pooling and the projection head.
 */
public final class DeepDiscriminator extends Discriminator {

    private final ModelSpec spec;
    private final Conv2d inputConv;
    private final List<DeepDBlock> blocks = new ArrayList<>();
    private final List<SelfAttention> attention = new ArrayList<>();
    private final Linear linear;
    private final Embedding embed;

    public DeepDiscriminator(ModelSpec spec, LayerFactory layers) {
        this.spec = spec;
        DeepTables.DTable table = DeepTables.lookup(DeepTables.DISCRIMINATOR, spec.resolution());
        inputConv = register_module("input_conv", layers.conv(spec.imageChannels(), (long) table.in()[0] * spec.ch(),
                3, true));
        Container container = own(register_module("blocks", new Container()));
        Container attentionContainer = own(register_module("attention", new Container()));
        int resolution = spec.resolution();
        int index = 0;
        for (int stage = 0; stage < table.out().length; stage++) {
            long in = (long) table.in()[stage] * spec.ch();
            long out = (long) table.out()[stage] * spec.ch();
            blocks.add(container.add(index, new DeepDBlock(in, out, table.down()[stage], layers)));
            attention.add(null);
            index++;
            if (table.down()[stage]) {
                resolution /= 2;
            }
            blocks.add(container.add(index, new DeepDBlock(out, out, false, layers)));
            attention.add(spec.attention().contains(resolution) && attention.stream().allMatch(a -> a == null)
                    ? attentionContainer.add(index, new SelfAttention(out, layers)) : null);
            index++;
        }
        long features = (long) table.out()[table.out().length - 1] * spec.ch();
        linear = register_module("linear", layers.linear(features, 1, true));
        embed = spec.conditional() ? register_module("embed", layers.embedding(spec.classes(), features)) : null;
    }

    @Override
    public Tensor forward(Tensor images, Tensor classes) {
        Tensor h = inputConv.forward(images);
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
        Tensor out = linear.forward(h).reshape(-1);
        if (embed != null) {
            out = out.add(embed.forward(classes).mul(h).sum(new long[] {1}, false, null));
        }
        return out;
    }

    /**
     * Block i is residual block i with the self-attention that follows it, if any; the first block
     * also holds the input convolution, the layer FreezeD would freeze first of all (a block
     * frozen behind a trainable input layer would see features that drift).
     */
    @Override
    public List<List<Module>> blocks() {
        List<List<Module>> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            List<Module> block = new ArrayList<>();
            if (i == 0) {
                block.add(inputConv);
            }
            block.add(blocks.get(i));
            if (attention.get(i) != null) {
                block.add(attention.get(i));
            }
            out.add(List.copyOf(block));
        }
        return out;
    }

    @Override
    public int numClasses() {
        return spec.classes();
    }
}
