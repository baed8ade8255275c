package org.biggan4j.tensor;

import org.bytedeco.openblas.presets.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

/**
 * Process-wide libtorch settings: intra-op threads, the seed and the device. Call
 * {@link #configure} once at the start of a command (the CLI does); library code takes a
 * {@link ComputeDevice} explicitly and never reads global state.
 */
public final class Engine {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final Properties VERSIONS = loadVersions();

    private Engine() {
    }

    /**
     * Sets libtorch's intra-op thread count, seeds every generator and checks the device.
     *
     * @param device  where tensors will be created; must be available in this process
     * @param threads intra-op threads; 0 means one per physical core as libtorch counts them
     * @param seed    the run seed (see {@link Seeds})
     */
    public static ComputeDevice configure(ComputeDevice device, int threads, long seed) {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0 (0 = automatic), got " + threads + ".");
        }
        // libtorch's own default was 1 thread on the 2-core development machine, so "automatic"
        // is made explicit: one thread per physical core this process may use.
        torch.set_num_threads(threads > 0 ? threads : physicalCores());
        configureBlasThreads();
        // NNPACK serves only some small CPU convolutions and, where the CPU lacks what it needs
        // (the development machine), prints a warning at each of them before falling back.
        torch.globalContext().setUserEnabledNNPACK(false);
        Seeds.seedTorch(seed);
        device.requireAvailable();
        LOG.debug("libtorch {} on {} with {} intra-op threads, seed {}", libtorchVersion(), device,
                torch.get_num_threads(), seed);
        return device;
    }

    /**
     * OpenBLAS (libtorch's BLAS in these presets; it serves the linear layers, the spectral-norm
     * power iterations and the attention products) runs its own pthread pool beside libtorch's
     * OpenMP threads, and its workers busy-wait for about 2^28 cycles after each call before they
     * sleep. A training step calls BLAS every few milliseconds, so one worker spun without pause:
     * 24% of all CPU samples of an fmnist-demo step on 2 cores (perf, 2026-12-06), taken from
     * the OpenMP thread beside it, and the step took 0.45 s instead of 0.31 s. Our GEMMs are
     * small, or (attention) issued one image at a time, so a second BLAS thread wins nothing
     * back: BigGAN 128 px ch 32 took 6.9 s per iteration with one and 15.0 s with two (README,
     * Performance); the reference implementations, timed beside us, are given the same setting
     * ({@code reference/README.md}). Results are bit-identical, batched products within rounding
     * ({@code EngineTest}).
     * An explicit {@code OPENBLAS_NUM_THREADS} in the environment wins.
     */
    static void configureBlasThreads() {
        if (System.getenv("OPENBLAS_NUM_THREADS") == null) {
            openblas_nolapack.blas_set_num_threads(1);
        }
    }

    /** The number of threads OpenBLAS will use for its next call. */
    public static int blasThreads() {
        return openblas_nolapack.blas_get_num_threads();
    }

    /**
     * Physical cores available to this process: distinct (package, core) pairs among the CPUs
     * Linux lists, capped by the JVM's processor count (which follows affinity and container
     * limits). Hyper-threads share a core's vector units, so one GEMM thread per core is fastest.
     * Falls back to the JVM's count where the topology is not readable.
     */
    public static int physicalCores() {
        int logical = Runtime.getRuntime().availableProcessors();
        Path cpus = Path.of("/sys/devices/system/cpu");
        Set<String> cores = new HashSet<>();
        try (var dirs = Files.list(cpus)) {
            for (Path cpu : (Iterable<Path>) dirs::iterator) {
                String name = cpu.getFileName().toString();
                Path topology = cpu.resolve("topology");
                if (name.matches("cpu\\d+") && Files.isDirectory(topology)) {
                    cores.add(Files.readString(topology.resolve("physical_package_id")).trim() + ":"
                            + Files.readString(topology.resolve("core_id")).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return logical;
        }
        return cores.isEmpty() ? logical : Math.max(1, Math.min(cores.size(), logical));
    }

    /** The project's own version. */
    public static String projectVersion() {
        return VERSIONS.getProperty("biggan4j.version", "unknown");
    }

    /** The libtorch version of the presets this build links (for example 2.10.0). */
    public static String libtorchVersion() {
        String v = VERSIONS.getProperty("pytorch.version", "unknown");
        int dash = v.indexOf('-');
        return dash < 0 ? v : v.substring(0, dash);
    }

    /** The JavaCPP version of the presets. */
    public static String javacppVersion() {
        return VERSIONS.getProperty("javacpp.version", "unknown");
    }

    /** libtorch's intra-op thread count now in force. */
    public static int threads() {
        return torch.get_num_threads();
    }

    private static Properties loadVersions() {
        Properties p = new Properties();
        try (InputStream in = Engine.class.getResourceAsStream("/org/biggan4j/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the bundled version.properties.", e);
        }
        return p;
    }
}
