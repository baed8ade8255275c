package org.biggan4j.serve;

import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.io.BadInputException;
import org.biggan4j.train.listener.MetricsLogger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The folders a server serves: run folders (a folder of runs, searched {@link #MAX_DEPTH} levels
 * down, or one run) and checkpoint files named directly. Runs are known by an id made of the
 * served folder's name and the run's path below it ({@code runs/fmnist-a}); a request names a
 * run by that id, which is looked up, never turned into a path, and a file of a run is read only
 * through {@link #resolveInside}, which refuses anything whose real path leaves the run folder.
 *
 * <p>A <em>run folder</em> is one holding the files a {@code biggan4j train} run writes:
 * {@code metrics.jsonl}, or a {@code checkpoints/} folder, or a {@code config.yaml} with the
 * {@code model:} and {@code training:} sections (a run that has only just started).
 */
public final class RunFolders {

    /** How deep below a served folder runs are searched (runs/project/variant/run). */
    public static final int MAX_DEPTH = 4;
    /** Runs listed at most, so that serving a huge tree stays cheap. */
    public static final int MAX_RUNS = 2000;
    /** How long a scan is reused: new runs appear within this time. */
    private static final long RESCAN_MILLIS = 2000;
    private static final Pattern SECTION = Pattern.compile("(?m)^(model|training):\\s*$");

    /** A served folder or checkpoint file, under its label. */
    private record Source(String label, Path realPath, boolean checkpoint) {
    }

    /** Why a path was refused: 403 for one that leaves the run folder, 404 for one that does not exist. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        /** The HTTP status to answer with (403 or 404). */
        public int status() {
            return status;
        }
    }

    private final List<Source> sources;
    private SortedMap<String, Path> runs = Collections.emptySortedMap();
    private long scannedAt;

    private RunFolders(List<Source> sources) {
        this.sources = List.copyOf(sources);
    }

    /**
     * The served folders and files.
     *
     * @throws BadInputException when a path does not exist or is a file other than a {@code .b4j} checkpoint
     */
    public static RunFolders of(List<Path> paths) {
        if (paths.isEmpty()) {
            throw new BadInputException("Nothing to serve: give a folder of runs, a run folder or a checkpoint.");
        }
        List<Source> sources = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw BadInputException.of(p, "does not exist", "give a folder of runs, a run folder or a .b4j "
                        + "checkpoint");
            }
            boolean file = Files.isRegularFile(p);
            if (file && !p.getFileName().toString().endsWith(".b4j")) {
                throw BadInputException.of(p, "is a file but not a biggan4j checkpoint (.b4j)",
                        "give a folder of runs, a run folder or a .b4j checkpoint");
            }
            if (!file && !Files.isDirectory(p)) {
                throw BadInputException.of(p, "is neither a folder nor a file", "give a folder of runs, a run "
                        + "folder or a .b4j checkpoint");
            }
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                throw BadInputException.of(p, "cannot be read (" + e.getMessage() + ")", "check its permissions");
            }
            String base = real.getFileName() == null ? "root" : real.getFileName().toString();
            String label = base;
            for (int i = 2; !labels.add(label); i++) {
                label = base + "-" + i;
            }
            sources.add(new Source(label, real, file));
        }
        return new RunFolders(sources);
    }

    /** Every run under the served folders by id (rescanned when the last scan is over two seconds old). */
    public synchronized SortedMap<String, Path> runs() {
        long now = System.currentTimeMillis();
        if (now - scannedAt >= RESCAN_MILLIS) {
            runs = Collections.unmodifiableSortedMap(scan());
            scannedAt = now;
        }
        return runs;
    }

    /** Forgets the last scan, so that the next {@link #runs()} looks again (tests, new runs). */
    public synchronized void rescan() {
        scannedAt = 0;
    }

    /**
     * The checkpoints a sampler may open: every {@code checkpoints/*.b4j} of the served runs, by
     * {@code <run id>/<file name>}, and the checkpoint files served directly, by their file name.
     */
    public SortedMap<String, Path> checkpoints() {
        SortedMap<String, Path> out = new TreeMap<>();
        for (Source s : sources) {
            if (s.checkpoint()) {
                out.put(s.label(), s.realPath());
            }
        }
        runs().forEach((id, run) -> {
            Path dir = new CheckpointStore(run, 1, "").directory();
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".b4j")
                                && !f.getFileName().toString().startsWith(".") && Files.isRegularFile(f))
                        .forEach(f -> out.put(id + "/" + f.getFileName(), f));
            } catch (IOException e) {
                // A folder removed between the scan and this listing: its checkpoints are gone too.
            }
        });
        return out;
    }

    /**
     * A regular file inside run {@code id}, given relative to the run folder.
     *
     * @throws Refused 404 when the run or file does not exist, 403 when the path (normalised, links
     *                 followed) leaves the run folder
     */
    public Path resolveInside(String id, String relative) {
        Path run = id == null ? null : runs().get(id);
        if (run == null) {
            throw new Refused(404, "No run with this id.");
        }
        if (relative == null || relative.isEmpty() || relative.indexOf('\0') >= 0) {
            throw new Refused(404, "No such file.");
        }
        Path candidate;
        try {
            candidate = run.resolve(relative).normalize();
        } catch (RuntimeException e) {
            throw new Refused(404, "No such file.");
        }
        if (!candidate.startsWith(run)) {
            throw new Refused(403, "Only files inside the run folder can be read.");
        }
        if (!Files.exists(candidate)) {
            throw new Refused(404, "No such file.");
        }
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (IOException e) {
            throw new Refused(404, "No such file.");
        }
        if (!real.startsWith(run)) {
            throw new Refused(403, "Only files inside the run folder can be read (a link leads out of it).");
        }
        if (!Files.isRegularFile(real)) {
            throw new Refused(404, "No such file.");
        }
        return real;
    }

    /** Whether {@code dir} holds the files of a training run (see the class comment). */
    public static boolean isRunFolder(Path dir) {
        if (Files.isRegularFile(MetricsLogger.jsonlPath(dir)) || Files.isDirectory(dir.resolve("checkpoints"))) {
            return true;
        }
        Path config = dir.resolve("config.yaml");
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(config)) {
            String head = new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
            var m = SECTION.matcher(head);
            Set<String> found = new HashSet<>();
            while (m.find()) {
                found.add(m.group(1));
            }
            return found.size() == 2;
        } catch (IOException e) {
            return false;
        }
    }

    private SortedMap<String, Path> scan() {
        SortedMap<String, Path> out = new TreeMap<>();
        for (Source s : sources) {
            if (s.checkpoint()) {
                continue;
            }
            try {
                Files.walkFileTree(s.realPath(), EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH,
                        new SimpleFileVisitor<>() {
                            @Override
                            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                                if (out.size() >= MAX_RUNS) {
                                    return FileVisitResult.TERMINATE;
                                }
                                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                                if (!dir.equals(s.realPath()) && name.startsWith(".")) {
                                    return FileVisitResult.SKIP_SUBTREE;
                                }
                                if (isRunFolder(dir)) {
                                    String rel = s.realPath().relativize(dir).toString().replace('\\', '/');
                                    out.put(rel.isEmpty() ? s.label() : s.label() + "/" + rel, dir);
                                    return FileVisitResult.SKIP_SUBTREE;
                                }
                                return FileVisitResult.CONTINUE;
                            }

                            @Override
                            public FileVisitResult visitFileFailed(Path file, IOException e) {
                                return FileVisitResult.CONTINUE; // unreadable folders are not runs
                            }
                        });
            } catch (IOException e) {
                throw new UncheckedIOException("Could not search " + s.realPath() + " for runs: " + e.getMessage(), e);
            }
        }
        return out;
    }
}
