package org.biggan4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental reads of a JSON Lines file that a training process appends to (metrics.jsonl,
 * spectra.jsonl, health.jsonl): a reader keeps a byte offset and the file's generation and asks
 * only for what was appended since. Only whole lines are consumed (a line still being written
 * waits for the next read), so the writer is never raced or slowed: the file is opened read-only
 * and the trainer's own files and locks are untouched.
 *
 * <p>A resumed run rewrites its metrics file (records after the resumed checkpoint are dropped, by
 * an atomic replace), so an offset can point into other content. The generation, the file's
 * identity (inode where the file system has one) plus its creation time, tells the reader: when it
 * changed, or the offset is past the end, or the byte before the offset is not a line end, the
 * chunk says {@code reset} and starts from byte 0.
 */
public final class JsonlTail {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lines longer than this are not records of ours (they are a few hundred bytes to a few KB): skipped. */
    static final int MAX_LINE = 1 << 20;

    private JsonlTail() {
    }

    /**
     * What a read returned.
     *
     * @param records    the whole lines read that parse as JSON objects, in file order
     * @param offset     where the next read starts (just after the last whole line read)
     * @param generation the file's identity, to send back with the next read ("" when it does not exist)
     * @param reset      whether this chunk starts from byte 0 because the file is not the one read before
     * @param more       whether whole lines remain after {@code offset} (the chunk hit {@code maxBytes})
     */
    public record Chunk(List<JsonNode> records, long offset, String generation, boolean reset, boolean more) {
        public Chunk {
            records = List.copyOf(records);
        }
    }

    /**
     * Reads whole lines of {@code file} from {@code offset} on, at most {@code maxBytes} bytes, or
     * the first line alone when it is longer (a line over {@link #MAX_LINE} is skipped unread).
     *
     * @param generation the generation a previous chunk returned, or "" for a first read
     */
    public static Chunk read(Path file, long offset, String generation, int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes + ".");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            String current = generation(file);
            long size = channel.size();
            boolean reset = offset < 0 || !current.equals(generation) || offset > size
                    || (offset > 0 && !lineEndBefore(channel, offset));
            long start = reset ? 0 : offset;
            List<JsonNode> records = new ArrayList<>();
            long position = start;
            long limit = Math.min(size, start + Math.max(maxBytes, 1));
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(limit - start, Integer.MAX_VALUE - 16));
            channel.read(buffer, start);
            byte[] bytes = buffer.array();
            int n = buffer.position();
            int lineStart = 0;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    parse(bytes, lineStart, i - lineStart, records);
                    lineStart = i + 1;
                    position = start + lineStart;
                }
            }
            if (lineStart == 0 && n < size - start) {
                // The first line is longer than the chunk: read it alone, or skip it when it is longer
                // than any record of ours, so that the reader always moves on.
                ByteBuffer line = ByteBuffer.allocate((int) Math.min(size - start, MAX_LINE + 1L));
                channel.read(line, start);
                int end = -1;
                for (int i = 0; i < line.position() && end < 0; i++) {
                    end = line.get(i) == '\n' ? i : -1;
                }
                if (end >= 0) {
                    parse(line.array(), 0, end, records);
                    position = start + end + 1;
                } else if (line.position() > MAX_LINE) {
                    position = skipLine(channel, start, start + line.position(), size);
                }
            }
            return new Chunk(records, position, current, reset, position < size && hasLineEnd(channel, position, size));
        } catch (NoSuchFileException e) {
            return new Chunk(List.of(), 0, "", offset != 0 || !generation.isEmpty(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The identity of a file: its key (device and inode on Unix) and creation time, or "" when absent. */
    public static String generation(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            Object key = a.fileKey();
            return (key == null ? "" : key.toString()) + "@" + a.creationTime().toMillis();
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    private static void parse(byte[] bytes, int from, int length, List<JsonNode> out) {
        if (length == 0 || length > MAX_LINE) {
            return;
        }
        try {
            JsonNode node = JSON.readTree(new String(bytes, from, length, StandardCharsets.UTF_8));
            if (node != null && node.isObject()) {
                out.add(node);
            }
        } catch (IOException e) {
            // A damaged line (a crash mid-write before a resume rewrote the file): skipped, as JsonLines does.
        }
    }

    private static boolean lineEndBefore(FileChannel channel, long offset) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        return channel.read(one, offset - 1) == 1 && one.get(0) == '\n';
    }

    private static boolean hasLineEnd(FileChannel channel, long from, long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        for (long p = from; p < size; ) {
            buffer.clear();
            int n = channel.read(buffer, p);
            if (n <= 0) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (buffer.get(i) == '\n') {
                    return true;
                }
            }
            p += n;
        }
        return false;
    }

    private static long skipLine(FileChannel channel, long lineStart, long from, long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        for (long p = from; p < size; ) {
            buffer.clear();
            int n = channel.read(buffer, p);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (buffer.get(i) == '\n') {
                    return p + i + 1;
                }
            }
            p += n;
        }
        return lineStart; // the overlong line is still being written: wait at its start
    }
}
