package org.biggan4j.cli;

import org.biggan4j.io.BadInputException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.NoSuchElementException;

/**
 * Turns whatever ends a command into one clear line on stderr and an exit code. Users get the
 * message (which names the value, the file and the fix); a stack trace only with
 * {@code BIGGAN4J_DEBUG=1}, because a wall of Java or native frames hides the one line that
 * matters. This covers the library's exceptions, libtorch's {@code c10::Error}s (whose text
 * carries C++ frames after the first line), and the JVM's {@link OutOfMemoryError} and
 * {@link StackOverflowError}, which {@link Biggan4j#main} routes here as well.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    /** Exit code for input the user can fix: a bad file, a bad option value (issue 19: one code for all). */
    static final int USER_ERROR = 2;
    /** Exit code for any other failure. */
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        return report(ex, cl.getErr());
    }

    /** Prints {@code t} as one line (plus its stack trace under {@code BIGGAN4J_DEBUG=1}); returns the exit code. */
    static int report(Throwable t, PrintWriter err) {
        Throwable cause = unwrap(t);
        err.println("error: " + message(cause));
        if ("1".equals(System.getenv("BIGGAN4J_DEBUG"))) {
            t.printStackTrace(err);
        }
        err.flush();
        return isUserError(cause) ? USER_ERROR : FAILURE;
    }

    /** The one line shown for {@code t}. */
    static String message(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + firstLine(t.getMessage()) + "); give the JVM more with BIGGAN4J_JAVA_OPTS=-Xmx<size>,"
                    + " or lower the batch size or the number of samples.";
        }
        if (t instanceof StackOverflowError) {
            return "a structure nested too deeply to process (stack overflow); if this came from a file, the file is damaged"
                    + " or hostile, otherwise run with BIGGAN4J_DEBUG=1 and report it.";
        }
        String m = firstLine(t.getMessage());
        if (m.isEmpty()) {
            return t.getClass().getSimpleName() + " (no message; run with BIGGAN4J_DEBUG=1 for details)";
        }
        if (isNative(t)) {
            return "libtorch: " + m;
        }
        if (isJvmInternal(t)) {
            // Texts such as "-865864976" (a negative array size) or "Index 0 out of bounds for
            // length 0" name neither the file nor the problem: they mean a check is missing.
            return t.getClass().getSimpleName() + ": " + m + " (a check is missing in biggan4j: run again with"
                    + " BIGGAN4J_DEBUG=1 and report the trace)";
        }
        return m;
    }

    /** Exceptions the JVM raises itself, whose messages say nothing a user can act on. */
    private static boolean isJvmInternal(Throwable t) {
        return t instanceof ArithmeticException || t instanceof IndexOutOfBoundsException
                || t instanceof NegativeArraySizeException || t instanceof ClassCastException
                || t instanceof NullPointerException || t instanceof ArrayStoreException
                || t instanceof NumberFormatException || t instanceof NoSuchElementException;
    }

    /** The first line of a message, without libtorch's "Exception raised from ..." frames. */
    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String m = message.strip();
        int cut = m.indexOf("Exception raised from ");
        if (cut >= 0) {
            m = m.substring(0, cut).strip();
        }
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m).strip();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof UncheckedIOException || cause instanceof CommandLine.ExecutionException)
                && cause.getCause() != null && (cause.getMessage() == null || cause instanceof CommandLine.ExecutionException)) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A {@code c10::Error} surfaces through JavaCPP as a plain RuntimeException whose text has C++ frames. */
    private static boolean isNative(Throwable t) {
        String m = t.getMessage();
        return t.getClass() == RuntimeException.class && m != null
                && (m.contains("Exception raised from ") || m.contains("(most recent call first)"));
    }

    private static boolean isUserError(Throwable t) {
        if (t instanceof NumberFormatException) {
            return false; // an IllegalArgumentException, but one that escaped our own parsing
        }
        return t instanceof BadInputException
                || t instanceof IllegalArgumentException
                || t instanceof NoSuchFileException
                || t instanceof AccessDeniedException
                || t instanceof CommandLine.ParameterException;
    }
}
