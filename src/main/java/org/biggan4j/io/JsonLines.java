package org.biggan4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reading JSON Lines files that a running process may be appending to: a missing file is empty,
 * and a line that does not parse (the last one, cut mid-write) is skipped rather than fatal, as
 * is a line too long to be one of ours, so a damaged run folder never takes the process down.
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /** Lines longer than this are not records we wrote (ours are a few hundred bytes): skipped unread. */
    static final int MAX_LINE = 1 << 20;

    /**
     * Every record of {@code file} that parses as a JSON object, in order. The file is streamed:
     * a line over {@link #MAX_LINE} bytes (a damaged or hostile file, for example a sparse one of
     * zeros without a newline) is skipped without being held in memory, and bytes that are not
     * UTF-8 only make their line fail to parse.
     */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try (InputStream in = Files.newInputStream(file)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean overlong = false;
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        if (!overlong && line.size() + (i - start) <= MAX_LINE) {
                            line.write(buf, start, i - start);
                            parse(line.toByteArray()).ifPresent(out::add);
                        }
                        line.reset();
                        overlong = false;
                        start = i + 1;
                    }
                }
                if (!overlong) {
                    line.write(buf, start, n - start);
                    if (line.size() > MAX_LINE) {
                        overlong = true;
                        line.reset();
                    }
                }
            }
            if (!overlong && line.size() <= MAX_LINE) {
                parse(line.toByteArray()).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> parse(byte[] line) {
        if (line.length == 0) {
            return Optional.empty();
        }
        try {
            Object v = JSON.readValue(line, Object.class);
            return v instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
        } catch (IOException | RuntimeException cutLine) {
            // a record being written, or cut by a crash, or not ours at all (Jackson's
            // constraints refuse deep nesting and huge numbers): the rest of the file is still good
            return Optional.empty();
        }
    }

    /** One JSON object as a line (no trailing newline). */
    public static String line(Map<String, ?> record) {
        try {
            return JSON.writeValueAsString(record);
        } catch (IOException e) {
            throw new IllegalStateException("A record could not be serialised: " + e.getMessage(), e);
        }
    }
}
