package org.biggan4j.image;

import org.biggan4j.io.BadInputException;

/**
 * One image file that cannot be decoded: corrupt, truncated, in a format or colour model that
 * ImageIO does not read, or missing. Datasets skip such files with a warning and count them by
 * {@link #reason()}; one bad file never stops a run.
 */
public class UnreadableImageException extends BadInputException {

    private final String reason;

    /**
     * @param reason  a short key for summaries: {@code corrupt}, {@code truncated}, {@code cmyk},
     *                {@code unsupported} or {@code missing}
     * @param message a full sentence naming the file
     */
    public UnreadableImageException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** A short key for summaries, for example {@code truncated}. */
    public String reason() {
        return reason;
    }
}
