package org.biggan4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes files so that a reader (or a crash) never sees half of one: the content goes to a
 * temporary file in the same folder, is forced to disk (fsync), and is renamed over the target
 * in one atomic step; the folder is then synced so the rename itself is durable. A failure
 * removes the temporary file and leaves any previous target untouched. Missing parent folders
 * are created.
 */
public final class AtomicFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Writes the content of one file to the stream it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes through a channel (for large, positioned writes such as packed datasets). */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with what {@code writer} produces. */
    public static void write(Path target, Writer writer) throws IOException {
        writeChannel(target, channel -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // the channel is closed by writeChannel after fsync
                }
            };
            writer.write(out);
            out.flush();
        });
    }

    /** Atomically replaces {@code target} with the bytes given. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with what {@code writer} writes into a file channel. */
    public static void writeChannel(Path target, ChannelWriter writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: its owner-only permissions would carry over to the target;
        // CREATE_NEW with a random name gives the process's usual (umask) permissions.
        Path tmp = dir.resolve(temporaryName(absolute.getFileName().toString()));
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(channel);
                channel.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The name of a temporary file for {@code target}: {@code .<target>.<random hex>.tmp}. */
    static String temporaryName(String target) {
        return "." + target + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp";
    }

    /**
     * Whether {@code name} is a temporary file this class makes for a target named
     * {@code target} (a crash between creating it and renaming it leaves one behind).
     */
    public static boolean isTemporaryOf(String name, String target) {
        Matcher m = TEMPORARY.matcher(name);
        return m.matches() && m.group(1).equals(target);
    }

    /**
     * Deletes, in {@code dir} (not below), the temporary files this class made for targets
     * whose names {@code target} accepts: what a process killed mid-write leaves. Only regular
     * files named {@code .<target>.<hex>.tmp} are touched. Call it only where no other process
     * may be writing into {@code dir} at the time.
     *
     * @return the files removed
     */
    public static List<Path> removeTemporaries(Path dir, Predicate<String> target)
            throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Matcher m = TEMPORARY.matcher(p.getFileName().toString());
                if (m.matches() && target.test(m.group(1))
                        && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                    removed.add(p);
                }
            }
        }
        return removed;
    }

    /** {@code .<target>.<1 to 16 hex digits>.tmp}, as {@link #temporaryName} makes them. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.(.+)\\.[0-9a-f]{1,16}\\.tmp");

    /** Makes the rename durable where the platform allows opening a folder (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open folders; the rename itself is still atomic there.
        }
    }
}
