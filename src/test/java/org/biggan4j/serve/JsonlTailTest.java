package org.biggan4j.serve;

import org.biggan4j.io.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Incremental reads: only whole new lines, a rewrite of the file (a resume) starts over. */
class JsonlTailTest {

    @TempDir
    Path dir;

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void readsOnlyWholeNewLinesFromTheOffset() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        append(file, "{\"iteration\":1}\n{\"iteration\":2}\n{\"iter");
        JsonlTail.Chunk first = JsonlTail.read(file, 0, "", 1 << 20);
        assertEquals(2, first.records().size());
        assertEquals(32, first.offset(), "the cut line is not consumed");
        assertFalse(first.more());
        append(file, "ation\":3}\n{\"iteration\":4}\n");
        JsonlTail.Chunk second = JsonlTail.read(file, first.offset(), first.generation(), 1 << 20);
        assertFalse(second.reset());
        assertEquals(2, second.records().size());
        assertEquals(3, second.records().get(0).path("iteration").asLong());
        assertEquals(Files.size(file), second.offset());
        JsonlTail.Chunk nothing = JsonlTail.read(file, second.offset(), second.generation(), 1 << 20);
        assertTrue(nothing.records().isEmpty());
        assertFalse(nothing.reset());
    }

    @Test
    void aRewrittenFileIsReadAgainFromTheStart() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        append(file, "{\"iteration\":1}\n{\"iteration\":2}\n{\"iteration\":3}\n");
        JsonlTail.Chunk before = JsonlTail.read(file, 0, "", 1 << 20);
        // A resume drops records after its checkpoint by an atomic replace, then appends.
        AtomicFiles.writeBytes(file, "{\"iteration\":1}\n{\"iteration\":2}\n{\"iteration\":30}\n{\"iteration\":31}\n"
                .getBytes(StandardCharsets.UTF_8));
        JsonlTail.Chunk after = JsonlTail.read(file, before.offset(), before.generation(), 1 << 20);
        assertTrue(after.reset());
        assertEquals(4, after.records().size());
        // An offset past the end or not at a line start also resets, whatever the generation.
        assertTrue(JsonlTail.read(file, 1 << 20, after.generation(), 1 << 20).reset());
        assertTrue(JsonlTail.read(file, 3, after.generation(), 1 << 20).reset());
    }

    @Test
    void boundedChunksSayThereIsMoreAndSkipDamage() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        StringBuilder text = new StringBuilder("not json\n[1,2]\n");
        for (int i = 1; i <= 100; i++) {
            text.append("{\"iteration\":").append(i).append("}\n");
        }
        append(file, text.toString());
        JsonlTail.Chunk chunk = JsonlTail.read(file, 0, "", 200);
        assertTrue(chunk.more());
        int total = chunk.records().size();
        while (chunk.more()) {
            chunk = JsonlTail.read(file, chunk.offset(), chunk.generation(), 200);
            assertFalse(chunk.reset());
            total += chunk.records().size();
        }
        assertEquals(100, total, "damaged lines and non-objects are skipped, every record arrives once");
        assertTrue(JsonlTail.read(dir.resolve("absent.jsonl"), 0, "", 10).records().isEmpty());
    }

    @Test
    void aLineLongerThanTheChunkIsReadAloneAndAnOverlongOneSkipped() throws Exception {
        Path file = dir.resolve("spectra.jsonl");
        String wide = "{\"iteration\":1,\"layers\":\"" + "x".repeat(500) + "\"}\n";
        String overlong = "{\"junk\":\"" + "y".repeat(JsonlTail.MAX_LINE) + "\"}\n";
        append(file, wide + overlong + "{\"iteration\":2}\n");
        JsonlTail.Chunk first = JsonlTail.read(file, 0, "", 100);
        assertEquals(1, first.records().size());
        assertEquals(wide.length(), first.offset());
        JsonlTail.Chunk second = JsonlTail.read(file, first.offset(), first.generation(), 100);
        assertTrue(second.records().isEmpty());
        assertEquals(wide.length() + overlong.length(), second.offset(), "the overlong line is passed over");
        JsonlTail.Chunk third = JsonlTail.read(file, second.offset(), second.generation(), 100);
        assertEquals(2, third.records().get(0).path("iteration").asInt());
    }
}
