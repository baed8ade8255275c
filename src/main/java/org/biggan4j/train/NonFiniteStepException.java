package org.biggan4j.train;

import org.biggan4j.checkpoint.NonFiniteException;

/**
 * A loss or gradient became NaN or infinite. Thrown before the optimiser step that would
 * have applied it, so the weights are those of the previous update.
 */
public class NonFiniteStepException extends NonFiniteException {

    private final long iteration;
    private final String term;

    public NonFiniteStepException(long iteration, String term, double value) {
        super("Iteration " + iteration + ": " + term + " is " + value
                + "; the step was stopped before any weight changed.");
        this.iteration = iteration;
        this.term = term;
    }

    /** The iteration whose step was stopped. */
    public long iteration() {
        return iteration;
    }

    /** The offending term, for example {@code d_loss} or {@code grad_norm_g}. */
    public String term() {
        return term;
    }
}
