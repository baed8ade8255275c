package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.data.DataFormatException;
import org.biggan4j.io.BadInputException;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What ends a command becomes one line and one exit code (issue 19). */
class ErrorHandlerTest {

    private record Reported(int code, String err) {
        String line() {
            return err.strip();
        }
    }

    private static Reported report(Throwable t) {
        StringWriter err = new StringWriter();
        int code = ErrorHandler.report(t, new PrintWriter(err));
        return new Reported(code, err.toString());
    }

    private static void assertOneLine(Reported r) {
        assertEquals(1, r.err.strip().lines().count(), "one line, got:\n" + r.err);
        assertFalse(r.err.contains("\tat "), r.err);
        assertFalse(r.err.contains("frame #"), r.err);
    }

    @Test
    void badInputOfEveryReaderExitsTwo() {
        for (RuntimeException e : new RuntimeException[] {
                BadInputException.of("a.npy", "the shape is negative", "the file is damaged"),
                new DataFormatException("x.idx is truncated."),
                new CheckpointException("c.b4j is corrupt."),
                new IllegalArgumentException("--truncation must be positive, not -1."),
        }) {
            Reported r = report(e);
            assertEquals(ErrorHandler.USER_ERROR, r.code, e.toString());
            assertOneLine(r);
            assertEquals("error: " + e.getMessage(), r.line());
        }
    }

    @Test
    void jvmErrorsBecomeOneLine() {
        Reported oom = report(new OutOfMemoryError("Java heap space"));
        assertEquals(ErrorHandler.FAILURE, oom.code);
        assertOneLine(oom);
        assertTrue(oom.line().contains("out of memory") && oom.line().contains("-Xmx"), oom.line());

        Reported soe = report(new StackOverflowError());
        assertEquals(ErrorHandler.FAILURE, soe.code);
        assertOneLine(soe);
        assertTrue(soe.line().contains("nested too deeply"), soe.line());
    }

    @Test
    void libtorchErrorLosesItsCppFrames() {
        RuntimeException native_ = assertThrows(RuntimeException.class,
                () -> torch.mm(torch.ones(2, 3), torch.ones(4, 5)));
        assertTrue(native_.getMessage().lines().count() > 1 || native_.getMessage().contains("Exception raised from"),
                "libtorch's message is expected to carry frames: " + native_.getMessage());
        Reported r = report(native_);
        assertOneLine(r);
        assertTrue(r.line().startsWith("error: libtorch: "), r.line());
        assertTrue(r.line().contains("cannot be multiplied") || r.line().contains("shapes"), r.line());
        assertFalse(r.line().contains("Exception raised from"), r.line());
    }

    @Test
    void jvmTextsThatNameNothingAreMarkedAsAMissingCheck() {
        // issue 19 saw "error: -865864976" and "error: Index 0 out of bounds for length 0"
        for (RuntimeException e : new RuntimeException[] {
                new NegativeArraySizeException("-865864976"),
                new IndexOutOfBoundsException("Index 0 out of bounds for length 0"),
                new ArithmeticException("long overflow"),
                new ClassCastException("class java.lang.String cannot be cast to class java.lang.Integer"),
        }) {
            Reported r = report(e);
            assertOneLine(r);
            assertEquals(ErrorHandler.FAILURE, r.code, e.toString());
            assertTrue(r.line().startsWith("error: " + e.getClass().getSimpleName() + ": "), r.line());
            assertTrue(r.line().contains("BIGGAN4J_DEBUG=1"), r.line());
        }
    }

    @Test
    void wrappedIoErrorsShowTheirMessage() {
        Reported r = report(new UncheckedIOException("Could not write run/x: disk full", new IOException("ENOSPC")));
        assertOneLine(r);
        assertEquals("error: Could not write run/x: disk full", r.line());
        assertEquals(ErrorHandler.FAILURE, r.code);
    }

    @Test
    void errorsThrownInsideACommandAreCaughtToo() {
        // A StackOverflowError thrown by a command's own code must not escape execute().
        CommandLine cl = new CommandLine(new Overflowing());
        Biggan4j.installHandlers(cl);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(ErrorHandler.FAILURE, cl.execute());
        assertOneLine(new Reported(1, err.toString()));
    }

    @CommandLine.Command(name = "overflow")
    static final class Overflowing implements Callable<Integer> {
        @Override
        public Integer call() {
            return recurse(0);
        }

        private static int recurse(int n) {
            return recurse(n + 1) + 1;
        }
    }
}
