package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * What an objective sees of the discriminator's evaluation of one real and one generated
 * batch. Tensors an objective does not need may be {@code null} (for example
 * {@code realScores} in a generator update of an objective that does not use them).
 *
 * @param realScores    D(x), {@code [B]}
 * @param fakeScores    D(G(z)), {@code [B]}
 * @param realImages    x, {@code [B, C, H, W]} (loss-sensitive GAN's distance term)
 * @param fakeImages    G(z), {@code [B, C, H, W]}
 * @param fakeEmbedding encoder codes of G(z) for EBGAN's pull-away term, {@code [B, K]}, or null
 */
public record CriticOutputs(Tensor realScores, Tensor fakeScores, Tensor realImages, Tensor fakeImages,
                            Tensor fakeEmbedding) {
}
