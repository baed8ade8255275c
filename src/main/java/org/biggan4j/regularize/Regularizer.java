package org.biggan4j.regularize;

import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * A stabiliser that composes with any objective. Each hook has a no-op default; an
 * implementation overrides only the points where it acts:
 * <ol>
 *   <li>{@link #perturbDiscriminatorInput}: before D sees real or generated images (instance noise);</li>
 *   <li>{@link #discriminatorPenalty}: extra terms added to D's loss (gradient penalty, R1,
 *       orthogonal regularisation of D);</li>
 *   <li>{@link #generatorPenalty}: extra terms added to G's loss (orthogonal regularisation of G);</li>
 *   <li>{@link #afterDiscriminatorStep} / {@link #afterGeneratorStep}: after the optimiser step,
 *       under no-grad (weight clipping, singular-value clamping).</li>
 * </ol>
 * Penalties return named scalar tensors with autograd history; the step adds them to the loss
 * and logs them by name. A regulariser that carries numbers from one iteration to the next
 * (LeCam's anchors) exposes them through {@link #state()}, so that checkpoints store them and a
 * resumed run continues bit-exactly.
 */
public interface Regularizer {

    /** Short name for logs, for example {@code "r1"}. */
    String name();

    default Tensor perturbDiscriminatorInput(Tensor images, long iteration) {
        return images;
    }

    default Map<String, Tensor> discriminatorPenalty(PenaltyContext context) {
        return Map.of();
    }

    default Map<String, Tensor> generatorPenalty(Generator generator, long iteration) {
        return Map.of();
    }

    default void afterDiscriminatorStep(Discriminator discriminator, long iteration) {
    }

    default void afterGeneratorStep(Generator generator, long iteration) {
    }

    /**
     * The numbers this regulariser carries between iterations, by name (empty when it carries
     * none); a checkpoint stores them under the regulariser's {@link #name()}.
     */
    default Map<String, Double> state() {
        return Map.of();
    }

    /**
     * Restores what {@link #state()} returned when a checkpoint was written (an empty map: the
     * checkpoint predates the regulariser, which then starts afresh).
     *
     * @param source the checkpoint, for messages
     */
    default void restoreState(Map<String, Double> state, String source) {
    }
}
