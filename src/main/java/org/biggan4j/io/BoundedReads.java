package org.biggan4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reading bytes whose size a file declares, without trusting the declaration: checked 64-bit
 * arithmetic for sizes that come from headers, and reads bounded by the real file size, the
 * declared size and {@link InputLimits} so that a compressed entry that inflates to gigabytes,
 * or a sparse multi-GB file, is refused before it fills the heap.
 */
public final class BoundedReads {

    /** Java arrays cannot hold more than this many bytes. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    private BoundedReads() {
    }

    /** {@code a * b}, refusing overflow with a one-line error naming {@code file} and {@code what}. */
    public static long multiply(Object file, String what, long a, long b) {
        if (a < 0 || b < 0) {
            throw BadInputException.of(file, what + " is negative (" + (a < 0 ? a : b) + ")", "the file is damaged");
        }
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw BadInputException.of(file, what + " overflows 64 bits (" + a + " x " + b + ")", "the file is damaged");
        }
    }

    /** The product of {@code dims}, each non-negative, refusing overflow. */
    public static long product(Object file, String what, long[] dims) {
        long n = 1;
        for (long d : dims) {
            n = multiply(file, what, n, d);
        }
        return n;
    }

    /** {@code a + b}, refusing negative operands and overflow. */
    public static long add(Object file, String what, long a, long b) {
        if (a < 0 || b < 0) {
            throw BadInputException.of(file, what + " is negative (" + (a < 0 ? a : b) + ")", "the file is damaged");
        }
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw BadInputException.of(file, what + " overflows 64 bits", "the file is damaged");
        }
    }

    /**
     * Reads all of {@code in}, refusing more than {@code limit} bytes (and more than a Java array
     * holds) as it goes: nothing larger than the limit is ever buffered.
     */
    public static byte[] readAll(InputStream in, long limit, Object file, String what, String limitName)
            throws IOException {
        byte[] bytes = readUpTo(in, Math.min(limit, MAX_ARRAY));
        if (bytes == null) {
            if (limit > MAX_ARRAY) {
                throw BadInputException.of(file, what + " holds more than 2 GiB", "split it into smaller files");
            }
            InputLimits.check(file, what, limit + 1, limit, limitName);
        }
        return bytes;
    }

    /**
     * Reads a zip entry, refusing one that inflates past its declared size or past
     * {@link InputLimits#entryBytes()}.
     */
    public static byte[] zipEntry(ZipFile zip, ZipEntry entry, Object file) throws IOException {
        long limit = InputLimits.current().entryBytes();
        long declared = entry.getSize();
        String what = "entry " + entry.getName();
        if (declared >= 0) {
            InputLimits.check(file, what + " (" + InputLimits.human(declared) + " bytes inflated)", declared,
                    limit, "entry_bytes");
            if (declared > MAX_ARRAY) {
                throw BadInputException.of(file, what + " holds more than 2 GiB", "split it into smaller files");
            }
        }
        try (InputStream in = zip.getInputStream(entry)) {
            if (declared < 0) {
                return readAll(in, limit, file, what, "entry_bytes");
            }
            byte[] bytes = readUpTo(in, declared);
            if (bytes == null || bytes.length != declared) {
                throw BadInputException.of(file, what + (bytes == null ? " inflates past" : " inflates to "
                        + bytes.length + " bytes, not") + " its declared " + declared + " bytes", "the file is damaged");
            }
            return bytes;
        }
    }

    /** The bytes of {@code in} if there are at most {@code max}, else null (reading at most max + 1). */
    private static byte[] readUpTo(InputStream in, long max) throws IOException {
        byte[] bytes = MemoryBudget.readUpTo(in, max);
        return bytes.length == max && in.read() >= 0 ? null : bytes;
    }

    /** Reads a whole small file (text, header, labels), refusing one over {@link InputLimits#textBytes()}. */
    public static byte[] smallFile(Path file) throws IOException {
        long size = Files.size(file);
        InputLimits.check(file, "a file of " + InputLimits.human(size) + " bytes", size,
                InputLimits.current().textBytes(), "text_bytes");
        try (InputStream in = Files.newInputStream(file)) {
            return readAll(in, InputLimits.current().textBytes(), file, "the file", "text_bytes");
        }
    }
}
