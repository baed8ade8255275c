package org.biggan4j.tensor;

import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

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
        if (threads > 0) {
            torch.set_num_threads(threads);
        }
        Seeds.seedTorch(seed);
        device.requireAvailable();
        LOG.debug("libtorch {} on {} with {} intra-op threads, seed {}", libtorchVersion(), device,
                torch.get_num_threads(), seed);
        return device;
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
