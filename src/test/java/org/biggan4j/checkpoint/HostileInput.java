package org.biggan4j.checkpoint;

import org.biggan4j.io.BadInputException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutations of valid weight and configuration files for the fuzz tests of issue 19, and the
 * contract each reader is held to: a correct read, or a {@link BadInputException} whose message
 * is one line naming the file; never another exception, never an {@link Error}.
 */
public final class HostileInput {

    /** Values written into length, shape and offset fields: where 32- and 64-bit arithmetic breaks. */
    public static final long[] VALUES = {0, -1, 1, 2, 255, Integer.MAX_VALUE, 1L << 31, 1L << 32, 1L << 40,
            Long.MAX_VALUE, Long.MIN_VALUE, -2};

    /** The same values as decimal text, plus 2^63 and 2^64 that no long holds. */
    public static final String[] DIGITS = {"0", "-1", "1", "2147483647", "2147483648", "4294967296",
            "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775808",
            "1e308", "99999999999999999999999999999999"};

    private HostileInput() {
    }

    /** What a reader is asked to do; any exception it throws is judged by {@link #readOrRefused}. */
    @FunctionalInterface
    public interface Read {
        void run() throws Exception;
    }

    /**
     * {@code valid} changed in one of several ways chosen by {@code seed}: a bit flip, a cut,
     * an 8- or 4-byte little-endian field overwritten with a hostile value, a run of digits
     * replaced by hostile digits, a slice duplicated or removed.
     */
    public static byte[] mutate(byte[] valid, long seed) {
        Random r = new Random(seed);
        byte[] b = valid.clone();
        int at = r.nextInt(Math.max(1, b.length));
        long value = VALUES[r.nextInt(VALUES.length)];
        return switch (r.nextInt(7)) {
            case 0 -> {
                b[at] ^= (byte) (1 << r.nextInt(8));
                yield b;
            }
            case 1 -> Arrays.copyOf(b, at);
            case 2 -> put(b, at, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
            case 3 -> put(b, at, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
            case 4 -> digits(b, at, DIGITS[r.nextInt(DIGITS.length)]);
            case 5 -> {
                int len = Math.min(b.length - at, 1 + r.nextInt(64));
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, at + len);
                System.arraycopy(b, at, out, at + len, b.length - at);
                yield out;
            }
            default -> {
                int len = Math.min(b.length - at, 1 + r.nextInt(64));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                yield out;
            }
        };
    }

    private static byte[] put(byte[] b, int at, byte[] field) {
        for (int i = 0; i < field.length && at + i < b.length; i++) {
            b[at + i] = field[i];
        }
        return b;
    }

    /** Replaces the first run of ASCII digits at or after {@code from} (wrapping) with {@code digits}. */
    private static byte[] digits(byte[] b, int from, String digits) {
        for (int k = 0; k < b.length; k++) {
            int i = (from + k) % b.length;
            if (Character.isDigit(b[i]) && (i == 0 || !Character.isDigit(b[i - 1]))) {
                int end = i;
                while (end < b.length && Character.isDigit(b[end])) {
                    end++;
                }
                byte[] d = digits.getBytes(StandardCharsets.US_ASCII);
                byte[] out = new byte[b.length - (end - i) + d.length];
                System.arraycopy(b, 0, out, 0, i);
                System.arraycopy(d, 0, out, i, d.length);
                System.arraycopy(b, end, out, i + d.length, b.length - end);
                return out;
            }
        }
        return b;
    }

    /**
     * Runs {@code read}: it may succeed, or refuse with a {@link BadInputException} of one line
     * naming {@code file}; anything else fails with the mutation's seed and the stack trace.
     */
    public static void readOrRefused(Object file, Object mutation, Read read) {
        try {
            read.run();
        } catch (BadInputException e) {
            assertOneLine(e, file, mutation);
        } catch (Throwable t) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            fail("after mutation " + mutation + " the reader threw " + t + " instead of a BadInputException:\n" + trace);
        }
    }

    /** The message is one line, names {@code file} and is not a bare exception text. */
    public static void assertOneLine(Exception e, Object file, Object context) {
        String m = String.valueOf(e.getMessage());
        assertFalse(m.contains("\n") || m.contains("\r"), "not one line (" + context + "): " + m);
        assertTrue(m.contains(String.valueOf(file)), "the file is not named (" + context + "): " + m);
        assertFalse(m.contains("class java.") || m.contains("cannot be cast"), "a ClassCastException text ("
                + context + "): " + m);
        assertTrue(m.length() < 1000, "an unreadably long line (" + context + "): " + m.length() + " characters");
    }

    /**
     * A temporary folder for properties: jqwik runs them outside JUnit's lifecycle, so they cannot
     * use {@code @TempDir}; each try deletes its file, the folder goes when the JVM exits.
     */
    public static Path tempDir(String prefix) {
        try {
            Path d = Files.createTempDirectory(prefix);
            d.toFile().deleteOnExit();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code body} with {@code -Dbiggan4j.limit.<name>=value}, restoring the previous setting. */
    public static void withLimit(String name, long value, Read body) throws Exception {
        String key = "biggan4j.limit." + name;
        String before = System.getProperty(key);
        System.setProperty(key, Long.toString(value));
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
