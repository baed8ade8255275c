package org.biggan4j.io;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Run-folder JSON Lines (metrics, health, spectra) never take the process down (issue 19). */
class JsonLinesTest {

    @Test
    void readsRecordsAndSkipsACutLastLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, JsonLines.line(Map.of("iteration", 1)) + "\n\n"
                + JsonLines.line(Map.of("iteration", 2, "d_loss", 0.5)) + "\n[1,2]\n{\"iteration\": 3, \"d_lo");
        List<Map<String, Object>> records = JsonLines.read(f);
        assertEquals(2, records.size());
        assertEquals(1, records.get(0).get("iteration"));
        assertEquals(0.5, records.get(1).get("d_loss"));
    }

    @Test
    void anOverlongLineIsSkippedAndTheRestStillReads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        String huge = "{\"x\": \"" + "a".repeat(JsonLines.MAX_LINE + 10) + "\"}";
        Files.writeString(f, JsonLines.line(Map.of("iteration", 1)) + "\n" + huge + "\n"
                + JsonLines.line(Map.of("iteration", 2)) + "\n");
        List<Map<String, Object>> records = JsonLines.read(f);
        assertEquals(List.of(1, 2), records.stream().map(r -> r.get("iteration")).toList());
    }

    @Test
    void aSparseGigabyteWithoutNewlinesReadsAsEmptyInBoundedMemory(@TempDir Path dir) throws Exception {
        // Before: Files.readAllLines made one 1 GB string (and an OutOfMemoryError at 3 GB).
        Path f = dir.resolve("metrics.jsonl");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(1L << 30);
        }
        Runtime rt = Runtime.getRuntime();
        long before = rt.totalMemory() - rt.freeMemory();
        assertTrue(JsonLines.read(f).isEmpty());
        long grown = (rt.totalMemory() - rt.freeMemory()) - before;
        assertTrue(grown < 256L << 20, "heap grew by " + grown + " bytes");
    }

    @Test
    void deepNestingAndHugeNumbersAreSkippedNotThrown(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("health.jsonl");
        String deep = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
        String bigNumber = "{\"a\": 1" + "0".repeat(5000) + "}";
        Files.writeString(f, deep + "\n" + bigNumber + "\n" + JsonLines.line(Map.of("ok", true)) + "\n");
        assertEquals(List.of(Map.of("ok", true)), JsonLines.read(f));
    }

    @Property(tries = 200, seed = "19")
    void arbitraryBytesNeverThrow(@ForAll @Size(max = 4096) byte[] bytes) throws Exception {
        Path f = Files.createTempFile("fuzz", ".jsonl");
        try {
            byte[] valid = (JsonLines.line(Map.of("iteration", 7)) + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[bytes.length + valid.length];
            System.arraycopy(bytes, 0, all, 0, bytes.length);
            System.arraycopy(valid, 0, all, bytes.length, valid.length);
            Files.write(f, all);
            List<Map<String, Object>> records = JsonLines.read(f);
            // The valid record after the noise survives unless the noise ended mid-line.
            boolean noiseEndsLine = bytes.length == 0 || bytes[bytes.length - 1] == '\n';
            if (noiseEndsLine) {
                assertEquals(Map.of("iteration", 7), records.get(records.size() - 1));
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
