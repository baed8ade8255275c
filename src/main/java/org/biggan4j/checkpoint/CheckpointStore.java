package org.biggan4j.checkpoint;

import org.biggan4j.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints of one run folder: {@code checkpoints/ckpt-<iteration>.b4j}, the last
 * {@code keepLast} kept, plus {@code best.b4j} for the best value of a chosen metric.
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d+)\\.b4j");
    private static final String BEST = "best.b4j";

    private final Path dir;
    private final int keepLast;
    private final String bestMetric;
    private final boolean lowerIsBetter;
    private double bestValue = Double.NaN;
    private long pinned = -1;

    /**
     * @param bestMetric metric name ("" for none); metrics named like fid/loss/distance are
     *                   minimised, others (accuracy, is, precision...) maximised
     */
    public CheckpointStore(Path runDir, int keepLast, String bestMetric) {
        this.dir = runDir.resolve("checkpoints");
        this.keepLast = keepLast;
        this.bestMetric = bestMetric == null ? "" : bestMetric;
        String m = this.bestMetric.toLowerCase(Locale.ROOT);
        this.lowerIsBetter = m.contains("fid") || m.contains("loss") || m.contains("distance");
        Path best = dir.resolve(BEST);
        if (!this.bestMetric.isEmpty() && Files.isRegularFile(best)) {
            try {
                Double metric = CheckpointFile.header(best).metrics().get(this.bestMetric);
                if (metric != null) {
                    bestValue = metric;
                }
            } catch (CheckpointException e) {
                // A damaged best.b4j must not stop training: the next good checkpoint replaces it.
                LOG.warn("Ignoring {}: {}", best, e.getMessage());
            }
        }
    }

    /** The folder holding the checkpoints. */
    public Path directory() {
        return dir;
    }

    /** Path of the checkpoint for {@code iteration}. */
    public Path pathFor(long iteration) {
        return dir.resolve(String.format("ckpt-%09d.b4j", iteration));
    }

    /** Writes a checkpoint, prunes old ones and updates {@code best.b4j}; returns its path. */
    public Path save(CheckpointData data) {
        try {
            Path path = pathFor(data.iteration());
            CheckpointFile.write(path, data);
            Double value = data.metrics().get(bestMetric);
            if (!bestMetric.isEmpty() && value != null && Double.isFinite(value) && isBetter(value)) {
                bestValue = value;
                // Through AtomicFiles (temp, fsync, rename) like every checkpoint, so a crash
                // leaves either the old best.b4j or the new one, and a temp file that
                // removeStaleTemporaries recognises.
                AtomicFiles.write(dir.resolve(BEST), out -> Files.copy(path, out));
            }
            prune();
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write a checkpoint in " + dir + ": " + e.getMessage(), e);
        }
    }

    private boolean isBetter(double value) {
        return Double.isNaN(bestValue) || (lowerIsBetter ? value < bestValue : value > bestValue);
    }

    /** Checkpoints by ascending iteration. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointStore::iterationOf)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest checkpoint that passes full verification ({@link CheckpointFile#verify}:
     * manifest, sizes, checksums, readable tensors, finite weights), walking back past every
     * one that fails and logging which it skipped and why. A crash mid-save cannot leave a
     * half-written {@code ckpt-*.b4j} (saves are atomic), but a disk can still damage one.
     */
    public Optional<Path> latest() {
        List<Path> all = new ArrayList<>(list());
        for (int i = all.size() - 1; i >= 0; i--) {
            Path candidate = all.get(i);
            try {
                verified(candidate);
                if (i < all.size() - 1) {
                    LOG.warn("Using {}, the newest checkpoint that passes verification.", candidate);
                }
                return Optional.of(candidate);
            } catch (CheckpointException e) {
                LOG.warn("Skipping checkpoint {}: {}", candidate.getFileName(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Files this process verified, with the size and modification time they had: a resume looks
     * for the newest good checkpoint more than once (to read its configuration, then to restore
     * it), and each look would otherwise re-read the whole file.
     */
    private static final Map<Path, String> VERIFIED = new ConcurrentHashMap<>();

    private static void verified(Path file) {
        Path key = file.toAbsolutePath().normalize();
        String stamp;
        try {
            // A save replaces the file by a rename (a new file key); damage in place changes the time.
            var attributes = Files.readAttributes(file, BasicFileAttributes.class);
            stamp = attributes.size() + "@" + attributes.lastModifiedTime() + "#" + attributes.fileKey();
        } catch (IOException e) {
            throw new CheckpointException("Could not read checkpoint " + file + ": " + e.getMessage() + ".", e);
        }
        if (stamp.equals(VERIFIED.get(key))) {
            return;
        }
        CheckpointFile.verify(file);
        VERIFIED.put(key, stamp);
    }

    /**
     * Deletes the temporary files an interrupted save left in the checkpoint folder (a process
     * killed between creating its temp file and renaming it): AtomicFiles' temporaries of
     * {@code ckpt-*.b4j} and {@code best.b4j}, and the {@code .best.b4j.tmp} of older versions.
     * Only names of that pattern are touched. Call it when a run starts, before anything writes
     * here (in a data-parallel job: on rank 0 alone, before the ranks meet).
     *
     * @return the files removed
     */
    public List<Path> removeStaleTemporaries() {
        try {
            List<Path> removed = new ArrayList<>(AtomicFiles.removeTemporaries(dir,
                    target -> target.equals(BEST) || NAME.matcher(target).matches()));
            Path legacy = dir.resolve(".best.b4j.tmp");
            if (Files.isRegularFile(legacy, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(legacy);
                removed.add(legacy);
            }
            if (!removed.isEmpty()) {
                LOG.info("Removed {} temporary file(s) left by an interrupted save: {}", removed.size(),
                        removed.stream().map(p -> p.getFileName().toString()).toList());
            }
            return removed;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not clean " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keeps the checkpoint of {@code iteration} whatever {@code keepLast} says (-1 = none): the
     * collapse detector pins the last checkpoint it judged healthy, the one a roll-back needs.
     * Moving the pin releases the previous one to the usual pruning.
     */
    public void pin(long iteration) {
        this.pinned = iteration;
    }

    /** The pinned iteration, or -1. */
    public long pinned() {
        return pinned;
    }

    /** The newest checkpoint at or before {@code iteration}. */
    public Optional<Path> latestAtOrBefore(long iteration) {
        return list().stream().filter(p -> iterationOf(p) <= iteration).reduce((a, b) -> b);
    }

    /** Deletes every checkpoint after {@code iteration} (the abandoned branch of a roll-back); returns them. */
    public List<Path> deleteAfter(long iteration) {
        List<Path> deleted = new ArrayList<>();
        for (Path p : list()) {
            if (iterationOf(p) > iteration) {
                try {
                    Files.deleteIfExists(p);
                    deleted.add(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("Could not delete " + p + ": " + e.getMessage(), e);
                }
            }
        }
        return deleted;
    }

    /** The newest checkpoint strictly before {@code iteration}, for roll-backs. */
    public Optional<Path> latestBefore(long iteration) {
        return list().stream().filter(p -> iterationOf(p) < iteration).reduce((a, b) -> b);
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            if (iterationOf(all.get(i)) == pinned) {
                continue;
            }
            Files.deleteIfExists(all.get(i));
        }
    }

    /** The iteration encoded in a checkpoint file name. */
    public static long iterationOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
