package org.biggan4j.checkpoint;

import org.biggan4j.io.BadInputException;

/**
 * A checkpoint (or imported weight file) that cannot be used: corrupt, truncated, from an
 * unknown format version, or not matching the model. The message names the file and the
 * first offending entry.
 */
public class CheckpointException extends BadInputException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
