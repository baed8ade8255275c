package org.biggan4j.eval.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.eval.FeatureStatistics;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyHeader;
import org.biggan4j.io.UserCache;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A folder of cached {@link ReferenceFeatures}, one entry per {@link ReferenceKey}, so that the
 * real side of an evaluation (often the slowest part: 50k images through Inception) is computed
 * once per dataset, resolution and network.
 *
 * <p>An entry is a folder named by {@link ReferenceKey#digest()} holding {@code features.npy}
 * [N, D], {@code logits.npy} [N, K] (when the network has logits), {@code labels.npy} [N],
 * {@code statistics.npz} (mu, sigma, n: the pytorch-fid layout, usable with
 * {@code biggan4j fid --stats-a}) and {@code index.json}, which repeats the key in full and the
 * shapes. An entry is written into a temporary folder and renamed into place, so readers see a
 * whole entry or none. An entry that does not match its index or cannot be read is ignored with a
 * warning (and replaced by the next {@link #store}); a failed store only warns, since the cache
 * is an optimisation and the evaluation has its features either way.
 *
 * <p>Default location: {@code $XDG_CACHE_HOME/biggan4j/reference}, else
 * {@code ~/.cache/biggan4j/reference}.
 */
public final class ReferenceCache {

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String FORMAT = "biggan4j-reference-features";
    static final String INDEX = "index.json";
    static final String FEATURES = "features.npy";
    static final String LOGITS = "logits.npy";
    static final String LABELS = "labels.npy";
    static final String STATISTICS = "statistics.npz";

    private final Path directory;

    /** A cache in {@code directory} (created on the first store). */
    public ReferenceCache(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /** The default cache: {@link #defaultDirectory()}. */
    public static ReferenceCache atDefaultLocation() {
        return new ReferenceCache(defaultDirectory());
    }

    /** {@code $XDG_CACHE_HOME/biggan4j/reference}, else {@code ~/.cache/biggan4j/reference} (XDG base directories). */
    public static Path defaultDirectory() {
        return UserCache.folder("reference");
    }

    /** Where entries live. */
    public Path directory() {
        return directory;
    }

    /** The folder of {@code key}'s entry (which may not exist). */
    public Path entry(ReferenceKey key) {
        return directory.resolve(key.digest());
    }

    /**
     * The cached features for {@code key}, or {@code compute}'s, which are then stored. The
     * result is the caller's to close.
     */
    public ReferenceFeatures getOrCompute(ReferenceKey key, ComputeDevice device, Supplier<ReferenceFeatures> compute) {
        Optional<ReferenceFeatures> hit = load(key, device);
        if (hit.isPresent()) {
            LOG.info("Reference features from the cache: {}", entry(key));
            return hit.get();
        }
        ReferenceFeatures computed = compute.get();
        try {
            store(key, computed, device);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not cache the reference features in {} ({}); they will be computed again next time.",
                    entry(key), e.getMessage());
        }
        return computed;
    }

    /**
     * The entry of {@code key} on {@code device}, or empty when there is none or it is unusable
     * (then a warning says why).
     */
    public Optional<ReferenceFeatures> load(ReferenceKey key, ComputeDevice device) {
        Path dir = entry(key);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try {
            return Optional.of(read(dir, key, device));
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage().strip().lines().findFirst().orElse("").replaceAll("\\.$", "");
            LOG.warn("Ignoring the reference-features cache entry {} ({}); recomputing.", dir, why);
            return Optional.empty();
        }
    }

    @SuppressWarnings("try")
    private static ReferenceFeatures read(Path dir, ReferenceKey key, ComputeDevice device) throws IOException {
        // Bounded like any text read whole: a damaged cache must not be able to fill the heap.
        JsonNode index = JSON.readTree(BoundedReads.smallFile(dir.resolve(INDEX)));
        if (!FORMAT.equals(index.path("format").asText()) || index.path("version").asInt() != ReferenceKey.VERSION) {
            throw new IllegalStateException("its index is not a version " + ReferenceKey.VERSION + " " + FORMAT + " index");
        }
        if (!key.dataset().equals(index.path("dataset").asText()) || !key.readOptions().equals(index.path("read_options").asText())
                || !key.network().equals(index.path("network").asText())) {
            throw new IllegalStateException("its index records another key");
        }
        long n = index.path("count").asLong();
        long d = index.path("feature_dim").asLong();
        long k = index.path("classes").asLong();
        boolean hasLabels = index.path("labels").asBoolean();
        FeatureStatistics.checkDims(dir.resolve(FEATURES), d);
        requireShape(dir.resolve(FEATURES), n, d);
        if (k > 0) {
            requireShape(dir.resolve(LOGITS), n, k);
        }
        if (hasLabels) {
            requireShape(dir.resolve(LABELS), n);
        }
        FeatureStatistics stats = FeatureStatistics.load(dir.resolve(STATISTICS));
        if (stats.dims() != d || stats.count() != n) {
            throw new IllegalStateException("its statistics cover " + stats.count() + " vectors of " + stats.dims()
                    + " dimensions, not " + n + " of " + d);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor features = Npy.read(dir.resolve(FEATURES), device);
            Tensor logits = k > 0 ? Npy.read(dir.resolve(LOGITS), device) : null;
            Tensor labels = hasLabels ? Npy.read(dir.resolve(LABELS), device) : null;
            if (!torch.isfinite(features).all().item_bool()) {
                throw new IllegalStateException(FEATURES + " holds non-finite values");
            }
            return ReferenceFeatures.of(features, logits, labels, device);
        }
    }

    private static void requireShape(Path file, long... shape) throws IOException {
        NpyHeader h = Npy.readHeader(file);
        if (!Arrays.equals(h.shape(), shape)) {
            throw new IllegalStateException(file.getFileName() + " has shape " + Arrays.toString(h.shape())
                    + " where the index says " + Arrays.toString(shape));
        }
    }

    /**
     * Writes {@code features} as the entry of {@code key}, replacing any previous one: into a
     * temporary folder first, renamed into place when complete.
     */
    public void store(ReferenceKey key, ReferenceFeatures features, ComputeDevice device) throws IOException {
        Files.createDirectories(directory);
        Path target = entry(key);
        Path tmp = directory.resolve(".tmp-" + key.digest() + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
        try {
            Files.createDirectory(tmp);
            Npy.write(tmp.resolve(FEATURES), features.features());
            if (features.logits() != null) {
                Npy.write(tmp.resolve(LOGITS), features.logits());
            }
            if (features.labels() != null) {
                Npy.write(tmp.resolve(LABELS), features.labels());
            }
            features.statistics(device).save(tmp.resolve(STATISTICS));
            ObjectNode index = JSON.createObjectNode();
            index.put("format", FORMAT);
            index.put("version", ReferenceKey.VERSION);
            index.put("dataset", key.dataset());
            index.put("read_options", key.readOptions());
            index.put("network", key.network());
            index.put("count", features.count());
            index.put("feature_dim", features.dims());
            index.put("classes", features.classes());
            index.put("labels", features.labels() != null);
            AtomicFiles.writeBytes(tmp.resolve(INDEX),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
            if (Files.exists(target)) {
                deleteTree(target);   // an older or unusable entry for the same key
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another process stored the same key meanwhile; its entry is as good as ours.
                LOG.debug("Reference-features entry {} appeared while writing; keeping it.", target);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("The file system of " + directory + " cannot rename folders atomically.", e);
            }
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
