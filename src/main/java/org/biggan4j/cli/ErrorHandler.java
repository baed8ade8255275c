package org.biggan4j.cli;

import picocli.CommandLine;

import java.io.UncheckedIOException;

/**
 * Turns the library's exceptions into one clear line on stderr and an exit code. Users get the
 * message (which names the value, the file and the fix); a stack trace only with
 * {@code BIGGAN4J_DEBUG=1}, because a wall of native frames hides the one line that matters.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    /** Exit code for a failure the user can fix (bad data, bad option value). */
    static final int USER_ERROR = 2;
    /** Exit code for any other failure. */
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        Throwable cause = ex;
        if (cause instanceof UncheckedIOException && cause.getCause() != null) {
            cause = cause.getMessage() != null ? cause : cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        cl.getErr().println("error: " + message.strip());
        if ("1".equals(System.getenv("BIGGAN4J_DEBUG"))) {
            ex.printStackTrace(cl.getErr());
        }
        return isUserError(cause) ? USER_ERROR : FAILURE;
    }

    private static boolean isUserError(Throwable t) {
        return t instanceof IllegalArgumentException
                || t instanceof org.biggan4j.data.DataFormatException
                || t instanceof java.nio.file.NoSuchFileException;
    }
}
