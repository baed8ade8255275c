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

    /**
     * A child reports its own variables; the check must not compare them with this process's
     * (under the launcher: all four), which refused every glibc-tuned-arenas run.
     */
    @Test
    void aChildsAllocatorIsJudgedByItsOwnVariables() {
        String three = "glibc malloc, tuned (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824)";
        String four = "glibc malloc, tuned (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824 MALLOC_ARENA_MAX=1)";
        assertTrue(AllocatorComparison.tookEffect(Setting.GLIBC_TUNED_ARENAS, three));
        assertFalse(AllocatorComparison.tookEffect(Setting.GLIBC_TUNED_ARENAS, four));
        assertTrue(AllocatorComparison.tookEffect(Setting.GLIBC_TUNED, four));
        assertFalse(AllocatorComparison.tookEffect(Setting.GLIBC_TUNED, three));
        assertTrue(AllocatorComparison.tookEffect(Setting.GLIBC_DEFAULTS, "the C library's malloc (untuned)"));
        assertFalse(AllocatorComparison.tookEffect(Setting.GLIBC_DEFAULTS, three));
        assertTrue(AllocatorComparison.tookEffect(Setting.JEMALLOC, "jemalloc"));
        assertFalse(AllocatorComparison.tookEffect(Setting.JEMALLOC, four));
    }
}
