package org.biggan4j.model;

import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.nn.Init;

import java.util.List;
import java.util.Set;

/**
 * Everything needed to build a generator and a discriminator: the architecture's name and the
 * numbers its tables are scaled by. Stored with checkpoints (through the training
 * configuration), so sampling needs nothing but the checkpoint.
 *
 * @param classes            0 = unconditional (no embedding, no projection)
 * @param sharedEmbeddingDim BigGAN's shared class embedding; 0 = one embedding per cBN layer
 * @param hierarchicalZ      split z into one chunk per block plus one for the input layer
 * @param attention          feature-map resolutions that get a self-attention block
 * @param autoencoderD       EBGAN's auto-encoder discriminator (DCGAN only)
 * @param truncationBnRows   BigGAN-deep G only: 0 = ordinary BatchNorm statistics; n &gt; 1 = fixed
 *                           {@code [n, C]} statistics tables indexed by the sampling truncation, as
 *                           in the published models converted from TF Hub (51)
 */
public record ModelSpec(Architecture architecture, int resolution, int ch, int classes, int latentDim,
                        int sharedEmbeddingDim, boolean hierarchicalZ, Set<Integer> attention, int imageChannels,
                        boolean spectralNormG, boolean spectralNormD, Init init, double bnEps, double snEps,
                        boolean dcganNoBias, boolean dcganCriticBatchNorm, boolean autoencoderD,
                        int truncationBnRows) {

    /** A spec with ordinary BatchNorm statistics. */
    public ModelSpec(Architecture architecture, int resolution, int ch, int classes, int latentDim,
                     int sharedEmbeddingDim, boolean hierarchicalZ, Set<Integer> attention, int imageChannels,
                     boolean spectralNormG, boolean spectralNormD, Init init, double bnEps, double snEps,
                     boolean dcganNoBias, boolean dcganCriticBatchNorm, boolean autoencoderD) {
        this(architecture, resolution, ch, classes, latentDim, sharedEmbeddingDim, hierarchicalZ, attention,
                imageChannels, spectralNormG, spectralNormD, init, bnEps, snEps, dcganNoBias, dcganCriticBatchNorm,
                autoencoderD, 0);
    }

    public ModelSpec {
        if (truncationBnRows < 0 || truncationBnRows == 1) {
            throw new IllegalArgumentException("truncationBnRows must be 0 (off) or at least 2, got "
                    + truncationBnRows + ".");
        }
        if (ch <= 0 || latentDim <= 0 || classes < 0 || sharedEmbeddingDim < 0) {
            throw new IllegalArgumentException("Model sizes must be positive (ch " + ch + ", latent " + latentDim
                    + ", classes " + classes + ").");
        }
        if (imageChannels != 1 && imageChannels != 3) {
            throw new IllegalArgumentException("Images must have 1 or 3 channels, got " + imageChannels + ".");
        }
        attention = Set.copyOf(attention);
    }

    /** Whether the models are class-conditional. */
    public boolean conditional() {
        return classes > 0;
    }

    /** A copy with other attention resolutions. */
    public ModelSpec withAttention(List<Integer> resolutions) {
        return new ModelSpec(architecture, resolution, ch, classes, latentDim, sharedEmbeddingDim, hierarchicalZ,
                Set.copyOf(resolutions), imageChannels, spectralNormG, spectralNormD, init, bnEps, snEps, dcganNoBias,
                dcganCriticBatchNorm, autoencoderD, truncationBnRows);
    }
}
