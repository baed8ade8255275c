package org.biggan4j.loss;

/**
 * A GAN objective: how discriminator scores become the two players' losses.
 *
 * <p>Contract: the step calls {@link #discriminatorLoss} once per D update with scores of a
 * real and a generated batch (the generated one detached from G), and
 * {@link #generatorLoss} once per G update with the scores of a generated batch that carries
 * G's graph. Implementations are stateless and never touch parameters; regularisers
 * (gradient penalties, clipping, ...) are separate ({@code org.biggan4j.regularize}).
 */
public interface GanObjective {

    /** Short name for logs and configs, for example {@code "hinge"}. */
    String name();

    /** The discriminator's loss, to be minimised over D's parameters. */
    LossTerms discriminatorLoss(CriticOutputs outputs);

    /** The generator's loss, to be minimised over G's parameters. */
    LossTerms generatorLoss(CriticOutputs outputs);

    /** Whether {@link #generatorLoss} reads {@code realScores} (the step then evaluates D on real data in the G update). */
    default boolean generatorNeedsRealScores() {
        return false;
    }

    /**
     * For Wasserstein objectives: the critic's estimate of the distance, E[D(x)] - E[D(G(z))],
     * which is the training-progress curve users watch (WGAN, section 4). Other objectives
     * return {@code false} and the estimate is not logged.
     */
    default boolean reportsWassersteinEstimate() {
        return false;
    }
}
