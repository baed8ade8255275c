package org.biggan4j.model.deep;

import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.SpecifiedGenerator;
import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.nn.Container;
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
 * BigGAN-deep's generator, laid out as the published models are (huggingface
 * pytorch-pretrained-BigGAN, converted from TF Hub) so their weights map one to one:
 * <ul>
 *   <li>the conditioning vector is {@code [z, embedding]}, z first, used whole by the input
 *       layer and by every conditional BN (no hierarchical split);</li>
 *   <li>the input linear layer's output is read as {@code [B, 4, 4, 16ch]} (channels last, the
 *       TensorFlow layout) and transposed to NCHW;</li>
 *   <li>the output conv maps ch to ch channels, of which the first {@code imageChannels} are
 *       kept before tanh.</li>
 * </ul>
 * Unconditional models condition on z alone. With {@code truncationBnRows} &gt; 0 (imported
 * published models) every BatchNorm holds fixed statistics tables indexed by the sampling
 * truncation, chosen with {@link #selectTruncation} (see {@link BatchNorm2d}).
 */
public final class DeepGenerator extends SpecifiedGenerator {

    private final Embedding shared;
    private final Linear genZ;
    private final List<DeepGBlock> blocks = new ArrayList<>();
    private final SelfAttention attention;
    private final int attentionBefore;
    private final BatchNorm2d outputBn;
    private final Conv2d toRgb;
    private final long bottomChannels;

    public DeepGenerator(ModelSpec spec, LayerFactory layers) {
        super(spec);
        DeepTables.GTable table = DeepTables.lookup(DeepTables.GENERATOR, spec.resolution());
        int embedding = spec.conditional() ? Math.max(1, spec.sharedEmbeddingDim()) : 0;
        if (spec.conditional() && spec.sharedEmbeddingDim() == 0) {
            throw new IllegalArgumentException("BigGAN-deep needs a shared class embedding: set model.shared_embedding_dim (128).");
        }
        long condition = spec.latentDim() + embedding;
        shared = spec.conditional()
                ? register_module("shared", layers.withSpectralNorm(false).embedding(spec.classes(), embedding)) : null;
        bottomChannels = (long) table.blocks()[0][1] * spec.ch();
        genZ = register_module("gen_z", layers.linear(condition, 16 * bottomChannels, true));
        Container container = own(register_module("blocks", new Container()));
        // Attention goes before the first non-resampling block whose input has an attention
        // resolution: for the published models (64x64) that is the block the configs call
        // attention_layer_position 8.
        int resolution = 4;
        int attentionIndex = -1;
        for (int i = 0; i < table.blocks().length; i++) {
            int[] b = table.blocks()[i];
            if (attentionIndex < 0 && b[0] == 0 && spec.attention().contains(resolution)) {
                attentionIndex = i;
            }
            blocks.add(container.add(i, new DeepGBlock((long) b[1] * spec.ch(), (long) b[2] * spec.ch(), b[0] == 1,
                    condition, spec.bnEps(), spec.truncationBnRows(), layers)));
            if (b[0] == 1) {
                resolution *= 2;
            }
        }
        attentionBefore = attentionIndex;
        attention = attentionIndex >= 0 ? register_module("attention",
                new SelfAttention((long) table.blocks()[attentionIndex][1] * spec.ch(), layers)) : null;
        long last = (long) table.blocks()[table.blocks().length - 1][2] * spec.ch();
        outputBn = register_module("output_bn", new BatchNorm2d(last, spec.bnEps(), true, spec.truncationBnRows(), layers));
        toRgb = register_module("conv_to_rgb", layers.conv(last, last, 3, true));
    }

    /**
     * The block table {upsample (1/0), in multiplier, out multiplier} of a resolution, as the
     * published models' configs list it ({@code layers}); a copy.
     */
    public static int[][] blockTable(int resolution) {
        int[][] t = DeepTables.lookup(DeepTables.GENERATOR, resolution).blocks();
        int[][] copy = new int[t.length][];
        for (int i = 0; i < t.length; i++) {
            copy[i] = t[i].clone();
        }
        return copy;
    }

    /** The index of the block the attention layer runs before, or -1 without attention. */
    public int attentionBefore() {
        return attentionBefore;
    }

    @Override
    public boolean truncationIndexedStatistics() {
        return spec.truncationBnRows() > 0;
    }

    @Override
    public void selectTruncation(double truncation) {
        if (!truncationIndexedStatistics()) {
            super.selectTruncation(truncation);
        }
        blocks.forEach(b -> b.selectTruncation(truncation));
        outputBn.selectTruncation(truncation);
    }

    @Override
    public Tensor forward(Tensor z, Tensor classes) {
        return forwardEmbedded(z, shared == null ? null : shared.forward(classes));
    }

    /** Soft classes: {@code [B, classes]} mixture weights (one-hot reproduces {@link #forward}). */
    @Override
    public boolean acceptsSoftClasses() {
        return shared != null;
    }

    @Override
    public Tensor forwardSoft(Tensor z, Tensor classWeights) {
        if (shared == null) {
            throw new IllegalArgumentException("Soft classes need a conditional generator.");
        }
        return forwardEmbedded(z, shared.mix(classWeights));
    }

    /** The conditioning vector {@code [z, embedding]} of a batch. */
    public Tensor condition(Tensor z, Tensor embedded) {
        return embedded == null ? z : torch.cat(new TensorVector(z, embedded), 1);
    }

    /** The conditioning vector {@code [z, classWeights . E]} of soft classes {@code [B, classes]}. */
    public Tensor conditionSoft(Tensor z, Tensor classWeights) {
        return condition(z, shared == null ? null : shared.mix(classWeights));
    }

    /**
     * The first block's input {@code [B, 16ch, 4, 4]}: the input layer's output read channels
     * last {@code [B, 4, 4, 16ch]} (the TF layout of the published weights) and transposed.
     */
    public Tensor initialFeatures(Tensor condition) {
        return genZ.forward(condition).reshape(condition.size(0), 4, 4, bottomChannels).permute(0, 3, 1, 2)
                .contiguous();
    }

    private Tensor forwardEmbedded(Tensor z, Tensor embedded) {
        Tensor c = condition(z, embedded);
        Tensor h = initialFeatures(c);
        for (int i = 0; i < blocks.size(); i++) {
            // Under no-grad (sampling) each block's intermediates are freed as it returns.
            Tensor in = h;
            var block = blocks.get(i);
            boolean attend = i == attentionBefore;
            h = NativeMemory.stage(() -> block.forward(attend ? attention.forward(in) : in, c));
        }
        h = toRgb.forward(torch.relu(outputBn.forward(h)));
        return torch.tanh(h.narrow(1, 0, spec.imageChannels()));
    }
}
