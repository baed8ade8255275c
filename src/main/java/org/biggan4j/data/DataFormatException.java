package org.biggan4j.data;

/**
 * Input data that cannot be used: an empty folder, a truncated file, counts that disagree.
 * The message names the file or value and says how to fix it; the CLI prints it as one line
 * and exits non-zero.
 */
public class DataFormatException extends RuntimeException {

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
