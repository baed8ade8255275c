package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.tensor.NativeAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchAllocatorsCommandTest {

    @Test
    void eachSettingRunsInItsOwnJvmAndReportsTheAllocatorItGot() throws Exception {
        Cli.Run r = Cli.run("bench", "allocators", "--preset", "fmnist-demo", "--set", "training.batch_size=8",
                "--warmup", "0", "--runs", "1", "--allocators", "glibc-defaults,glibc-tuned", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out()).path("results");
        assertEquals(2, rows.size(), r.out());
        assertEquals("glibc-defaults", rows.get(0).path("setting").asText());
        assertEquals(NativeAllocator.SYSTEM.description(), rows.get(0).path("allocator").asText());
        assertEquals("glibc-tuned", rows.get(1).path("setting").asText());
        assertTrue(rows.get(1).path("allocator").asText().contains("MALLOC_ARENA_MAX=1"), r.out());
        for (JsonNode row : rows) {
            assertTrue(row.path("seconds_per_iteration").asDouble() > 0, row.toString());
            assertTrue(row.path("peak_resident_mib").asDouble() > 50, row.toString());
        }
    }

    @Test
    void anUnknownSettingIsOneLineAndExitCode2() {
        Cli.Run r = Cli.run("bench", "allocators", "--preset", "fmnist-demo", "--allocators", "tcmalloc");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("Unknown allocator setting 'tcmalloc'"), r.err());
    }
}
