package org.biggan4j.data;

import org.biggan4j.io.BadInputException;

/**
 * Input data that cannot be used: an empty folder, a truncated file, counts that disagree.
 * The message names the file or value and says how to fix it; the CLI prints it as one line
 * and exits non-zero.
 */
public class DataFormatException extends BadInputException {

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
