package org.biggan4j.io;

import java.nio.file.Path;

/**
 * Input that biggan4j refuses: a file that is damaged, hostile, too large for the configured
 * {@link InputLimits}, or a value that cannot be used. The message is one full sentence that
 * names the file (or value), what is wrong and what to do; the CLI prints it as one line and
 * exits with code 2 ("bad input") whatever the command. Every reader throws this type or a
 * subclass of it (data, checkpoint, image and configuration errors), never a bare runtime
 * exception, so callers can tell bad input from a bug.
 */
public class BadInputException extends RuntimeException {

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<file>: <problem>; <fix>"}, the house style of a refusal. */
    public static BadInputException of(Object file, String problem, String fix) {
        return new BadInputException(file + ": " + problem + (fix == null || fix.isEmpty() ? "." : "; " + fix + "."));
    }

    /** As {@link #of(Object, String, String)} for a file path. */
    public static BadInputException of(Path file, String problem, String fix) {
        return of((Object) file, problem, fix);
    }
}
