package org.biggan4j.io;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * The last check before a reader allocates what a file asks for: the memory must exist. A file
 * can be genuine and still too large for this machine (a sparse multi-GB file reads as zeros,
 * so it passes every size check); without this, the allocation ends in an
 * {@link OutOfMemoryError} or the kernel's OOM killer. Readers call it after the file's
 * declarations have been checked against its real size and {@link InputLimits}.
 */
public final class MemoryBudget {

    private MemoryBudget() {
    }

    /**
     * Refuses a Java-heap allocation of {@code bytes} that does not fit a Java array or the heap
     * that is free now (after one collection, so garbage does not count against the file).
     */
    public static void heap(Object file, String what, long bytes) {
        if (bytes > BoundedReads.MAX_ARRAY) {
            throw BadInputException.of(file, what + " needs " + bytes(bytes) + ", more than one Java array holds (2 GiB)",
                    "split the data into smaller files");
        }
        if (bytes <= freeHeap()) {
            return;
        }
        System.gc();   // rare path: only when the request looks too large, so a stale heap does not refuse it
        long free = freeHeap();
        if (bytes > free) {
            throw BadInputException.of(file, what + " needs " + bytes(bytes) + " of Java heap but " + bytes(free)
                    + " are free", "if the file is genuine, give Java more memory with -Xmx "
                    + "(in BIGGAN4J_JAVA_OPTS)");
        }
    }

    /**
     * Refuses a native (libtorch) allocation of {@code bytes} larger than the machine's physical
     * memory: Linux overcommits, so such an allocation succeeds and the process is killed later
     * while the data is read in.
     */
    public static void physical(Object file, String what, long bytes) {
        long total = physicalMemory();
        if (total > 0 && bytes > total) {
            throw BadInputException.of(file, what + " needs " + bytes(bytes) + " but this machine has " + bytes(total)
                    + " of memory", "use a machine with more memory or a smaller file");
        }
    }

    /**
     * Reads exactly {@code n} bytes of {@code in}, growing the buffer only as bytes arrive, so a
     * stream that promises more than it holds (a truncated or forged gzip member) costs only what it
     * really delivers. Returns the bytes read so far (shorter than {@code n}) when the stream ends early.
     * The caller has already checked {@code n} with {@link #heap}.
     */
    public static byte[] readUpTo(InputStream in, long n) throws IOException {
        if (n > BoundedReads.MAX_ARRAY) {
            throw new IllegalArgumentException("readUpTo is for one Java array, not " + n + " bytes.");
        }
        byte[] buf = new byte[(int) Math.min(n, 1 << 20)];
        int filled = 0;
        while (filled < n) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int got = in.read(buf, filled, buf.length - filled);
            if (got < 0) {
                return Arrays.copyOf(buf, filled);
            }
            filled += got;
        }
        return buf;
    }

    /** A byte count for messages: "12,000 bytes" or "20.0 GiB". */
    public static String bytes(long n) {
        return n >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30))
                : String.format(Locale.ROOT, "%,d bytes", n);
    }

    private static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }
}
