package org.biggan4j.io;

import com.sun.management.ThreadMXBean;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The readers' fuzz tests share this: mutations of a valid file (issue 19: bit flips, truncation,
 * size fields set to 0, -1, 2^31, 2^63 - 1, 2^63 and other huge values, in binary or as the digits
 * of a text header) and the one assertion every reader must meet: a correct read, or a
 * {@link BadInputException} whose message is one line naming the file, never another exception and
 * never an {@link Error}.
 */
public final class Fuzz {

    /** The values size fields are set to: the edges where 32- and 64-bit arithmetic breaks. */
    public static final long[] HOSTILE = {0, 1, -1, 255, 65_535, Integer.MAX_VALUE, 1L << 31, 1L << 32, 40_000,
            1_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, -2};

    private Fuzz() {
    }

    /** What a mutation does to the bytes. */
    public enum Kind {
        /** Flip one bit. */
        FLIP,
        /** Cut the file short. */
        TRUNCATE,
        /** Write a hostile value as a big-endian int32 (idx headers). */
        INT32_BE,
        /** Write a hostile value as a little-endian int32 (.npy v2 and packed header lengths). */
        INT32_LE,
        /** Write a hostile value as a little-endian int16 (.npy v1 header length). */
        INT16_LE,
        /** Write a hostile value as a little-endian int64. */
        INT64_LE,
        /** Replace a run of digits in a text header with a hostile value's decimal digits. */
        DIGITS,
        /** Append bytes (trailing data). */
        APPEND
    }

    /**
     * One mutation.
     *
     * @param kind     what it does
     * @param position where, reduced modulo the region it applies to
     * @param value    the hostile value (for field and digit mutations) or the bit (for flips)
     */
    public record Mutation(Kind kind, int position, long value) {
    }

    /** Mutations, the hostile values chosen from {@link #HOSTILE}. */
    public static Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.of(Kind.values()), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.of(Arrays.stream(HOSTILE).boxed().toList())).as(Mutation::new);
    }

    /**
     * {@code valid} with {@code m} applied. Field mutations land in the first {@code headerBytes}
     * bytes (where sizes live); flips and cuts anywhere.
     */
    public static byte[] apply(byte[] valid, Mutation m, int headerBytes) {
        int header = Math.max(1, Math.min(headerBytes, valid.length));
        byte[] b = valid.clone();
        switch (m.kind()) {
            case FLIP -> {
                int at = m.position() % b.length;
                b[at] ^= (byte) (1 << (int) Math.floorMod(m.value(), 8));
            }
            case TRUNCATE -> b = Arrays.copyOf(b, m.position() % b.length);
            case INT32_BE -> put(b, m.position() % header, ByteBuffer.allocate(4).putInt((int) m.value()).array());
            case INT32_LE -> put(b, m.position() % header,
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) m.value()).array());
            case INT16_LE -> put(b, m.position() % header,
                    ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) m.value()).array());
            case INT64_LE -> put(b, m.position() % header,
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(m.value()).array());
            case DIGITS -> b = replaceDigits(b, header, m.position(), m.value() == Long.MIN_VALUE
                    ? "9223372036854775808" : Long.toString(m.value()));
            case APPEND -> {
                b = Arrays.copyOf(b, b.length + 1 + m.position() % 64);
                b[b.length - 1] = (byte) m.value();
            }
        }
        return b;
    }

    /**
     * Runs {@code read} on a mutated {@code file}: it may succeed, or throw a
     * {@link BadInputException} with one line naming the file; anything else fails the test with
     * the mutation and the stack trace.
     */
    public static void readOrRefused(Object file, Object mutation, Read read) {
        long before = allocated();
        try {
            read.run();
            assertBounded(before, mutation);
        } catch (BadInputException e) {
            assertBounded(before, mutation);
            String message = String.valueOf(e.getMessage());
            assertFalse(message.contains("\n") || message.contains("\r"), "not one line after " + mutation + ": " + message);
            assertTrue(message.contains(String.valueOf(file)), "the file is not named after " + mutation + ": " + message);
        } catch (Throwable t) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            fail("after " + mutation + " the reader threw " + t + " instead of a BadInputException:\n" + trace);
        }
    }

    /**
     * Java heap a mutated small file may make a reader allocate: the test files are kilobytes (the
     * bundled Fashion-MNIST 8 MB), so anything near this means a size was taken on trust.
     */
    public static final long MAX_ALLOCATED = 256L << 20;

    /** Bytes this thread has allocated on the Java heap so far (HotSpot's per-thread counter). */
    public static long allocated() {
        if (ManagementFactory.getThreadMXBean() instanceof ThreadMXBean threads) {
            return threads.getCurrentThreadAllocatedBytes();
        }
        return 0;
    }

    private static void assertBounded(long before, Object mutation) {
        long used = allocated() - before;
        assertTrue(used < MAX_ALLOCATED, "after " + mutation + " the reader allocated " + (used >> 20)
                + " MB of heap for a small file");
    }

    /** A read that may throw anything. */
    @FunctionalInterface
    public interface Read {
        void run() throws Throwable;
    }

    /** Deletes {@code dir} and everything in it (the fuzz tests' scratch folders). */
    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * A base for the readers' fuzz properties: provides {@code @ForAll("mutations")}, so each
     * test class holds only its valid file and its reads.
     */
    public abstract static class Properties {
        @Provide
        protected Arbitrary<Mutation> mutations() {
            return Fuzz.mutations();
        }
    }

    private static void put(byte[] b, int at, byte[] value) {
        for (int i = 0; i < value.length && at + i < b.length; i++) {
            b[at + i] = value[i];
        }
    }

    /** Replaces the k-th run of ASCII digits in the first {@code header} bytes (k from {@code which}). */
    private static byte[] replaceDigits(byte[] b, int header, int which, String digits) {
        int runs = 0;
        for (int i = 0; i < header; i++) {
            if (isDigit(b[i]) && (i == 0 || !isDigit(b[i - 1]))) {
                runs++;
            }
        }
        if (runs == 0) {
            return b;
        }
        int target = which % runs;
        int start = -1;
        for (int i = 0, k = -1; i < header; i++) {
            if (isDigit(b[i]) && (i == 0 || !isDigit(b[i - 1])) && ++k == target) {
                start = i;
                break;
            }
        }
        int end = start;
        while (end < b.length && isDigit(b[end])) {
            end++;
        }
        byte[] value = digits.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[b.length - (end - start) + value.length];
        System.arraycopy(b, 0, out, 0, start);
        System.arraycopy(value, 0, out, start, value.length);
        System.arraycopy(b, end, out, start + value.length, b.length - end);
        return out;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }
}
