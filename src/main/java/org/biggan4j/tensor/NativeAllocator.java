package org.biggan4j.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The C allocator that serves libtorch's CPU tensors in this process, read from the libraries
 * mapped into it.
 *
 * <p>It matters for speed: a training step frees and re-allocates activation buffers of tens of
 * megabytes. The C library's malloc serves such sizes with fresh {@code mmap}s and unmaps them
 * on free, so every step faults all their pages in again (about 2.4 ms per MB on the
 * development machine's VM); jemalloc with the {@code MALLOC_CONF} the launcher sets keeps freed
 * pages for reuse. {@code biggan4j bench train} measured {@code biggan-cifar} at 26.4 s per
 * iteration with glibc and 15.6 s with jemalloc (README, "Memory allocator"). PyTorch's CPU
 * tuning guides recommend the same preload; an allocator cannot be swapped once a process runs,
 * so the launcher script chooses it and this class only reports what was chosen.
 */
public enum NativeAllocator {
    JEMALLOC("jemalloc"),
    TCMALLOC("tcmalloc"),
    MIMALLOC("mimalloc"),
    SYSTEM("the C library's malloc"),
    /** Not a Linux process map (another OS): nothing known. */
    UNKNOWN("unknown");

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NativeAllocator.class);
    private static volatile boolean adviceGiven;

    private final String description;

    NativeAllocator(String description) {
        this.description = description;
    }

    /** A short human name, as {@code --version} prints it. */
    public String description() {
        return description;
    }

    /** Whether large freed CPU buffers are kept for reuse rather than unmapped (see the class comment). */
    public boolean reusesLargeBuffers() {
        return this == JEMALLOC || this == TCMALLOC || this == MIMALLOC;
    }

    /**
     * Says once per process, at info level, that CPU training would be faster with jemalloc when
     * it runs on the C library's malloc (a user who started java without the launcher, or on a
     * machine without libjemalloc2).
     */
    public static void adviseForTraining(ComputeDevice device) {
        if (device.isCuda() || adviceGiven || current() != SYSTEM) {
            return;
        }
        adviceGiven = true;
        LOG.info("CPU tensors come from the C library's malloc, which faults large buffers in again every step;"
                + " CPU training ran up to 1.7x faster with jemalloc (install libjemalloc2; the biggan4j launcher"
                + " preloads it; README, 'Memory allocator').");
    }

    /** The allocator of this process, from {@code /proc/self/maps}. */
    public static NativeAllocator current() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return UNKNOWN;
        }
        try {
            return fromMaps(Files.readAllLines(maps));
        } catch (IOException e) {
            return UNKNOWN;
        }
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
