package org.biggan4j.tensor;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeAllocatorTest {

    private static final String LIBC =
            "7f1c2a000000-7f1c2a028000 r--p 00000000 fe:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6";

    @Test
    void aMappedJemallocIsTheAllocatorEvenWithTheCLibraryMappedToo() {
        List<String> maps = List.of(
                "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 99 /usr/lib/jvm/java-17/bin/java",
                "7f1c29e00000-7f1c29e2a000 r--p 00000000 fe:01 777 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
                LIBC);
        assertEquals(NativeAllocator.JEMALLOC, NativeAllocator.fromMaps(maps));
        assertTrue(NativeAllocator.JEMALLOC.reusesLargeBuffers());
    }

    @Test
    void otherReplacementsAreRecognisedByTheirLibraryName() {
        assertEquals(NativeAllocator.TCMALLOC, NativeAllocator.fromMaps(List.of(LIBC,
                "7f00-7f10 r-xp 00000000 fe:01 5 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.9")));
        assertEquals(NativeAllocator.MIMALLOC, NativeAllocator.fromMaps(List.of(
                "7f00-7f10 r-xp 00000000 fe:01 5 /opt/lib/libmimalloc.so.2.1", LIBC)));
    }

    @Test
    void aProcessWithOnlyTheCLibraryUsesTheSystemMallocWhichUnmapsLargeBuffers() {
        List<String> maps = List.of(LIBC, "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]",
                "7f00-7f10 r--p 00000000 fe:01 5 /home/ana/jemalloc-notes/tuning.txt");
        assertEquals(NativeAllocator.SYSTEM, NativeAllocator.fromMaps(maps));
        assertFalse(NativeAllocator.SYSTEM.reusesLargeBuffers());
    }

    @Test
    void glibcCountsAsTunedOnlyWhenItNeitherMapsNorTrims() {
        List<String> maps = List.of(LIBC);
        assertEquals(NativeAllocator.GLIBC_TUNED, NativeAllocator.of(maps, NativeAllocator.GLIBC_TUNING));
        assertTrue(NativeAllocator.GLIBC_TUNED.reusesLargeBuffers());
        assertEquals(NativeAllocator.GLIBC_TUNED, NativeAllocator.of(maps,
                Map.of("MALLOC_MMAP_MAX_", "0", "MALLOC_TRIM_THRESHOLD_", "1073741824")));
        // Either setting alone leaves a fault-in per step: big buffers mapped, or the heap trimmed.
        assertEquals(NativeAllocator.SYSTEM, NativeAllocator.of(maps, Map.of("MALLOC_MMAP_MAX_", "0")));
        assertEquals(NativeAllocator.SYSTEM, NativeAllocator.of(maps,
                Map.of("MALLOC_MMAP_MAX_", "0", "MALLOC_TRIM_THRESHOLD_", "131072")));
        assertEquals(NativeAllocator.SYSTEM, NativeAllocator.of(maps,
                Map.of("MALLOC_MMAP_MAX_", "65536", "MALLOC_TRIM_THRESHOLD_", "17179869184")));
        assertEquals(NativeAllocator.SYSTEM, NativeAllocator.of(maps,
                Map.of("MALLOC_MMAP_MAX_", "0", "MALLOC_TRIM_THRESHOLD_", "lots")));
        // A preloaded replacement wins whatever glibc's variables say.
        assertEquals(NativeAllocator.JEMALLOC, NativeAllocator.of(List.of(LIBC,
                "7f00-7f10 r-xp 00000000 fe:01 5 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
                NativeAllocator.GLIBC_TUNING));
    }

    @Test
    void theTestsRunOnTunedGlibcAsTheLauncherSetsIt() {
        // pom.xml gives surefire the launcher's variables, so the suite measures what users run.
        if (!Files.isReadable(Path.of("/proc/self/maps")) || NativeAllocator.current() == NativeAllocator.JEMALLOC) {
            return;
        }
        assertEquals(NativeAllocator.GLIBC_TUNED, NativeAllocator.current());
        assertTrue(NativeAllocator.current().description().contains("MALLOC_ARENA_MAX=1"),
                NativeAllocator.current().description());
    }

    @Test
    void thisProcessReportsJemallocExactlyWhenItWasPreloaded() {
        NativeAllocator current = NativeAllocator.current();
        if (!Files.isReadable(Path.of("/proc/self/maps"))) {
            assertEquals(NativeAllocator.UNKNOWN, current);
            return;
        }
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        boolean jemallocPreloaded = Arrays.stream(preload.split("[: ]"))
                .anyMatch(lib -> lib.contains("jemalloc") && Files.exists(Path.of(lib)));
        assertEquals(jemallocPreloaded, current == NativeAllocator.JEMALLOC,
                "LD_PRELOAD=" + preload + " but the process map says " + current);
    }
}
