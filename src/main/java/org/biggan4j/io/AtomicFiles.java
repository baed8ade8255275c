package org.biggan4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader (or a crash) never sees half of one: the content goes to a
 * temporary file in the same folder, is flushed to disk (fsync), and is then renamed over the
 * target in one atomic step. A failure removes the temporary file and leaves any previous
 * target untouched.
 */
public final class AtomicFiles {

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
            OutputStream out = Channels.newOutputStream(channel);
            writer.write(new java.io.BufferedOutputStream(out, 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // the channel is closed by writeChannel after fsync
                }
            });
        });
    }

    /** Atomically replaces {@code target} with the bytes given. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> {
            out.write(bytes);
            out.flush();
        });
    }

    /** Atomically replaces {@code target} with what {@code writer} writes into a file channel. */
    public static void writeChannel(Path target, ChannelWriter writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(channel);
                channel.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
