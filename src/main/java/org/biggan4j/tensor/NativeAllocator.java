package org.biggan4j.tensor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The C allocator that serves libtorch's CPU tensors in this process, read from the libraries
 * mapped into it and, for glibc, from the tuning variables it read at start.
 *
 * <p>It matters for speed: a training step frees and re-allocates activation buffers of tens of
 * megabytes. glibc's malloc with its defaults serves such sizes with fresh {@code mmap}s and
 * unmaps them on free (and trims its heaps), so every step faults all their pages in again
 * (about 2.4 ms per MB on the development machine's VM). Four environment variables make glibc
 * keep them: {@code MALLOC_MMAP_MAX_=0} (never serve a request by its own mapping),
 * {@code MALLOC_TRIM_THRESHOLD_} far above a step's working set (never give the heap top back),
 * {@code MALLOC_TOP_PAD_} (grow the heap in large steps) and {@code MALLOC_ARENA_MAX=1} (one
 * arena, so a buffer freed by one thread is reused by the next thread's request instead of
 * faulting in a second copy in another arena). The launcher and {@code mvn test} set them;
 * README, "Memory allocator", has the side-by-side measurements that chose them over jemalloc.
 * An allocator cannot be swapped once a process runs, so the launcher chooses and this class
 * only reports what was chosen.
 */
public enum NativeAllocator {
    JEMALLOC("jemalloc"),
    TCMALLOC("tcmalloc"),
    MIMALLOC("mimalloc"),
    /** glibc's malloc with the four tuning variables (see the class comment). */
    GLIBC_TUNED("glibc malloc, tuned"),
    /** The C library's malloc as it comes. */
    SYSTEM("the C library's malloc (untuned)"),
    /** Not a Linux process map (another OS): nothing known. */
    UNKNOWN("unknown");

    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);

    /**
     * The launcher's glibc settings, in the order it sets them: 16 GiB trim threshold and 1 GiB
     * top pad are far above any step's working set on the machines we run on.
     */
    public static final Map<String, String> GLIBC_TUNING = tuning();

    /** A trim threshold below this gives the heap back between steps; 1 GiB. */
    private static final long SMALLEST_TUNED_TRIM = 1L << 30;
    private static volatile boolean adviceGiven;

    private final String description;

    NativeAllocator(String description) {
        this.description = description;
    }

    private static Map<String, String> tuning() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("MALLOC_MMAP_MAX_", "0");
        m.put("MALLOC_TRIM_THRESHOLD_", "17179869184");
        m.put("MALLOC_TOP_PAD_", "1073741824");
        m.put("MALLOC_ARENA_MAX", "1");
        return Collections.unmodifiableMap(m);
    }

    /**
     * A short human name, as {@code --version} prints it; for tuned glibc with the variables of
     * this process, so a benchmark's record says exactly what ran.
     */
    public String description() {
        if (this != GLIBC_TUNED) {
            return description;
        }
        StringBuilder s = new StringBuilder(description).append(" (");
        String sep = "";
        for (String name : GLIBC_TUNING.keySet()) {
            String value = System.getenv(name);
            if (value != null) {
                s.append(sep).append(name).append('=').append(value);
                sep = " ";
            }
        }
        return s.append(')').toString();
    }

    /** The name alone, without this process's variables (what another process's description starts with). */
    public String label() {
        return description;
    }

    /** Whether large freed CPU buffers are kept for reuse rather than unmapped (see the class comment). */
    public boolean reusesLargeBuffers() {
        return this != SYSTEM && this != UNKNOWN;
    }

    /**
     * Says once per process, at info level, that CPU training would be faster with the tuning
     * variables when it runs on untuned glibc (a user who started {@code java -jar} without the
     * launcher).
     */
    public static void adviseForTraining(ComputeDevice device) {
        if (device.isCuda() || adviceGiven || current() != SYSTEM) {
            return;
        }
        adviceGiven = true;
        LOG.info("CPU tensors come from the C library's malloc with its defaults, which faults large buffers in"
                + " again every step; CPU training ran up to 1.5x faster with {} set (the biggan4j launcher and mvn test"
                + " set them; README, 'Memory allocator').", tuningText());
    }

    /** The allocator of this process, from {@code /proc/self/maps} and its environment. */
    public static NativeAllocator current() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return UNKNOWN;
        }
        try {
            return of(Files.readAllLines(maps), System.getenv());
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    /** The launcher's settings as shell assignments, for messages. */
    public static String tuningText() {
        StringBuilder s = new StringBuilder();
        GLIBC_TUNING.forEach((k, v) -> s.append(s.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return s.toString();
    }

    /**
     * The allocator of a process with this map and environment: a replacement library wins;
     * otherwise glibc counts as tuned when it never maps a request by itself and never trims
     * below {@value #SMALLEST_TUNED_TRIM} bytes (the two settings that stop the faulting; top pad
     * and arena count only make it faster).
     */
    static NativeAllocator of(List<String> maps, Map<String, String> env) {
        NativeAllocator mapped = fromMaps(maps);
        if (mapped != SYSTEM) {
            return mapped;
        }
        boolean noMmap = "0".equals(env.get("MALLOC_MMAP_MAX_"));
        long trim;
        try {
            trim = Long.parseLong(env.getOrDefault("MALLOC_TRIM_THRESHOLD_", "0").trim());
        } catch (NumberFormatException e) {
            trim = 0;
        }
        return noMmap && trim >= SMALLEST_TUNED_TRIM ? GLIBC_TUNED : SYSTEM;
    }

    /**
     * The allocator named by a Linux process map: a replacement malloc library mapped into the
     * process (preloaded, or linked) wins over the C library's, which every process maps.
     */
    static NativeAllocator fromMaps(List<String> lines) {
        for (String line : lines) {
            int slash = line.lastIndexOf('/');
            if (slash < 0) {
                continue;
            }
            String file = line.substring(slash + 1).toLowerCase(Locale.ROOT);
            if (file.startsWith("libjemalloc")) {
                return JEMALLOC;
            }
            if (file.startsWith("libtcmalloc")) {
                return TCMALLOC;
            }
            if (file.startsWith("libmimalloc")) {
                return MIMALLOC;
            }
        }
        return SYSTEM;
    }
}
