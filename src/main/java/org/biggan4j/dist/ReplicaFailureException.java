package org.biggan4j.dist;

/**
 * A collective across the ranks of a data-parallel job failed: another rank died, hangs, or
 * called a different collective. The message names the rank(s) at fault when they can be told.
 */
public final class ReplicaFailureException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public ReplicaFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
