package org.biggan4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reading JSON Lines files that a running process may be appending to: a missing file is empty,
 * and a line that does not parse (the last one, cut mid-write) is skipped rather than fatal.
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /** Every record of {@code file} that parses as a JSON object, in order. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            try {
                Object v = JSON.readValue(line, Object.class);
                if (v instanceof Map<?, ?> m) {
                    out.add((Map<String, Object>) m);
                }
            } catch (IOException cutLine) {
                // a record being written, or cut by a crash: the rest of the file is still good
            }
        }
        return out;
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
