package org.biggan4j.eval;

import org.bytedeco.pytorch.Tensor;

import java.util.Optional;

/**
 * A network that maps images to the features FID, precision/recall and density/coverage compare,
 * and optionally to class logits for the Inception Score and classifier accuracy (SPEC section 5:
 * for datasets other than ImageNet the feature network is a classifier trained on that dataset).
 * Implementations: a trained Fashion-MNIST classifier, a user's TorchScript module.
 *
 * <p>Contract: {@link #extract} receives images [B, C, H, W] in [-1, 1] (the generator's tanh
 * range) on the extractor's device, and resizes or renormalises them itself as its network
 * needs. It is called with gradients disabled ({@link FeatureStream} holds a
 * {@code NoGradGuard}) and inside the caller's {@code PointerScope}: returned tensors belong to
 * that scope. The extractor is in evaluation mode for its whole life (no BatchNorm updates), and
 * the same images always give the same features.
 */
public interface FeatureExtractor extends AutoCloseable {

    /** What one batch of images maps to. */
    record Output(Tensor features, Tensor logits) {
        /**
         * @param features [B, D]
         * @param logits   [B, K], or null for extractors without a classification head
         */
        public Output {
            if (features == null) {
                throw new IllegalArgumentException("A feature extractor must return features.");
            }
        }

        /** The logits, when the extractor has a classification head. */
        public Optional<Tensor> optionalLogits() {
            return Optional.ofNullable(logits);
        }
    }

    /** Feature dimension D. */
    int featureDim();

    /** Number of classes K of the logits, or 0 for extractors without a classification head. */
    int numClasses();

    /** Channels C the images must have (1 for Fashion-MNIST, 3 for RGB). */
    int imageChannels();

    /** Features (and logits) of a batch of images [B, C, H, W] in [-1, 1]. */
    Output extract(Tensor images);

    /** A short description for reports and provenance (network, weights file, feature layer). */
    String describe();

    /** Frees the network; the default does nothing. */
    @Override
    default void close() {
    }
}
