package org.biggan4j.tensor;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Native-memory discipline. libtorch tensors live outside the Java heap and the garbage
 * collector does not see their size, so the project frees them deterministically:
 * every training step, sampling batch and evaluation batch runs inside {@link #scoped};
 * long-lived tensors (parameters, buffers, optimiser state) are created outside any scope and
 * are owned by modules.
 */
public final class NativeMemory {

    private NativeMemory() {
    }

    /** Runs {@code work} in a fresh {@link PointerScope}; every native object it creates is freed on exit. */
    public static void scoped(Runnable work) {
        try (PointerScope scope = new PointerScope()) {
            work.run();
        }
    }

    /**
     * Runs {@code work} in a fresh scope and returns its Java result. The result must not be a
     * native object created inside the scope (it would be freed); copy values out to Java first.
     */
    public static <T> T scoped(Supplier<T> work) {
        try (PointerScope scope = new PointerScope()) {
            return work.get();
        }
    }

    /**
     * Takes {@code pointer} out of the innermost {@link PointerScope}, so it outlives the scope it
     * was created in (a long-lived tensor made during a step: warm-start vectors, snapshots).
     * The caller then owns it and frees it with {@code close()} when it is replaced.
     */
    public static <P extends Pointer> P keep(P pointer) {
        // A scope holds one reference to each pointer it tracks and releases it on close;
        // an extra reference keeps the native object alive past that. (PointerScope.detach
        // releases the scope's reference at once, which frees an object nobody else holds.)
        if (PointerScope.getInnerScope() != null) {
            pointer.retainReference();
        }
        return pointer;
    }

    /**
     * Runs one stage of a forward (a block) and, when autograd is off, frees what the stage made
     * on its way as soon as it returns, keeping only its output in the enclosing scope.
     *
     * <p>Why: a {@link PointerScope} holds every tensor created in it until it closes, so a
     * sampling forward wrapped in one scope keeps all its intermediates alive at once (BigGAN at
     * 512 px, batch 2: past 7.5 GB). Under autograd the graph keeps them anyway, so nothing is done
     * there; under no-grad only the stage's output is still needed.
     */
    public static Tensor stage(Supplier<Tensor> work) {
        PointerScope outer = PointerScope.getInnerScope();
        if (outer == null || GradMode.is_enabled()) {
            return work.get();
        }
        Tensor out;
        try (PointerScope inner = new PointerScope()) {
            out = work.get();
            out.retainReference(); // survives the inner scope ...
        }
        outer.attach(out);         // ... belongs to the enclosing one ...
        out.releaseReference();    // ... which now holds the only reference we took
        return out;
    }

    /**
     * Resident set size of this process in bytes, read from {@code /proc/self/status} (VmRSS).
     * Returns -1 where procfs is absent (macOS, Windows).
     */
    public static long residentBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024L;
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + status + ".", e);
        }
    }

    /** Peak resident set size (VmHWM) in bytes, or -1 where procfs is absent. */
    public static long peakResidentBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024L;
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + status + ".", e);
        }
    }
}
