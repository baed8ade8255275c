package org.biggan4j.checkpoint;

/** A tensor, loss or gradient holds NaN or infinity where finite values are required. */
public class NonFiniteException extends RuntimeException {

    public NonFiniteException(String message) {
        super(message);
    }
}
