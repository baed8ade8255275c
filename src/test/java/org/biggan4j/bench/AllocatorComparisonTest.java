package org.biggan4j.bench;

import org.biggan4j.bench.AllocatorComparison.Setting;
import org.biggan4j.tensor.NativeAllocator;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocatorComparisonTest {

    /** A parent that itself runs on the launcher's jemalloc with another library preloaded too. */
    private static final Map<String, String> PARENT = Map.of("PATH", "/usr/bin", "MALLOC_CONF", "narenas:1",
            "MALLOC_ARENA_MAX", "4", "MALLOC_MMAP_MAX_", "7",
            "LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:/opt/libprofiler.so");

    @Test
    void eachChildStartsFromNoAllocatorSettingAndGetsOnlyItsOwn() {
        Map<String, String> defaults = AllocatorComparison.environment(Setting.GLIBC_DEFAULTS, PARENT, Optional.empty());
        assertEquals(Map.of("PATH", "/usr/bin", "LD_PRELOAD", "/opt/libprofiler.so"), defaults);

        Map<String, String> tuned = AllocatorComparison.environment(Setting.GLIBC_TUNED, PARENT, Optional.empty());
        NativeAllocator.GLIBC_TUNING.forEach((k, v) -> assertEquals(v, tuned.get(k), k));
        assertFalse(tuned.containsKey("MALLOC_CONF"));

        Map<String, String> arenas = AllocatorComparison.environment(Setting.GLIBC_TUNED_ARENAS, PARENT,
                Optional.empty());
        assertFalse(arenas.containsKey("MALLOC_ARENA_MAX"), "glibc-tuned-arenas keeps glibc's arena count");
        assertEquals("0", arenas.get("MALLOC_MMAP_MAX_"));

        Map<String, String> jemalloc = AllocatorComparison.environment(Setting.JEMALLOC, PARENT,
                Optional.of(Path.of("/lib/libjemalloc.so.2")));
        assertEquals("/lib/libjemalloc.so.2:/opt/libprofiler.so", jemalloc.get("LD_PRELOAD"));
        assertTrue(jemalloc.get("MALLOC_CONF").contains("oversize_threshold:0"));
        assertFalse(jemalloc.containsKey("MALLOC_MMAP_MAX_"));
    }

    @Test
    void jemallocThatIsNotInstalledIsRefusedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AllocatorComparison.environment(Setting.JEMALLOC, PARENT, Optional.empty()));
        assertTrue(e.getMessage().contains("install libjemalloc2"), e.getMessage());
        assertEquals(Setting.GLIBC_TUNED, Setting.parse(" GLIBC-tuned "));
        assertThrows(IllegalArgumentException.class, () -> Setting.parse("tcmalloc"));
    }
}
