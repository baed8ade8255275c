package org.biggan4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.tensor.NativeAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code bench train} under several C allocator settings, side by side: each setting runs in a
 * fresh child JVM (an allocator is chosen when a process starts and cannot change afterwards),
 * with the same arguments, one after the other, and optionally in several rounds that alternate
 * the settings so that drift in the machine's load is shared among them.
 *
 * <p>The child reports the allocator it found itself on ({@link NativeAllocator#current()}); a
 * setting that did not take effect is an error, not a silently wrong row.
 */
public final class AllocatorComparison {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The variables any setting may set; each child starts without them. */
    private static final List<String> ALLOCATOR_VARIABLES = List.of("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_",
            "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX", "MALLOC_CONF");

    /** Where Debian, Ubuntu and Fedora install jemalloc. */
    private static final List<String> JEMALLOC_PATHS = List.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
            "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2", "/usr/lib64/libjemalloc.so.2",
            "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2");

    private AllocatorComparison() {
    }

    /** One allocator setting. */
    public enum Setting {
        /** glibc as it comes: what {@code java -jar} gets without the launcher. */
        GLIBC_DEFAULTS("glibc-defaults", NativeAllocator.SYSTEM),
        /** glibc with mmap off, no trimming and a large top pad, but one arena per thread as usual. */
        GLIBC_TUNED_ARENAS("glibc-tuned-arenas", NativeAllocator.GLIBC_TUNED),
        /** The launcher's default: the above plus one arena ({@link NativeAllocator#GLIBC_TUNING}). */
        GLIBC_TUNED("glibc-tuned", NativeAllocator.GLIBC_TUNED),
        /** jemalloc preloaded with the launcher's {@code MALLOC_CONF}, where it is installed. */
        JEMALLOC("jemalloc", NativeAllocator.JEMALLOC);

        private final String optionName;
        private final NativeAllocator expected;

        Setting(String optionName, NativeAllocator expected) {
            this.optionName = optionName;
            this.expected = expected;
        }

        /** The name on the command line and in results. */
        public String optionName() {
            return optionName;
        }

        /** Parses {@link #optionName()}. */
        public static Setting parse(String text) {
            for (Setting s : values()) {
                if (s.optionName.equalsIgnoreCase(text.trim())) {
                    return s;
                }
            }
            throw new IllegalArgumentException("Unknown allocator setting '" + text + "': use "
                    + Arrays.stream(values()).map(Setting::optionName).collect(Collectors.joining(", ")) + ".");
        }
    }

    /** One setting's figures: medians over its rounds of {@code bench train}'s median. */
    public record Result(Setting setting, String allocator, double secondsPerIteration, double peakResidentMib,
                         List<Double> roundSeconds) {
    }

    /** The first jemalloc library found at the usual paths, if any. */
    public static Optional<Path> findJemalloc() {
        return JEMALLOC_PATHS.stream().map(Path::of).filter(Files::isRegularFile).findFirst();
    }

    /**
     * The environment of a child for a setting: this process's, without any allocator variable
     * or jemalloc preload, plus the setting's own.
     */
    public static Map<String, String> environment(Setting setting, Map<String, String> base, Optional<Path> jemalloc) {
        Map<String, String> env = new HashMap<>(base);
        ALLOCATOR_VARIABLES.forEach(env::remove);
        String preload = Arrays.stream(env.getOrDefault("LD_PRELOAD", "").split("[: ]"))
                .filter(lib -> !lib.isBlank() && !lib.contains("jemalloc")).collect(Collectors.joining(":"));
        env.remove("LD_PRELOAD");
        if (!preload.isEmpty()) {
            env.put("LD_PRELOAD", preload);
        }
        switch (setting) {
            case GLIBC_DEFAULTS -> { }
            case GLIBC_TUNED_ARENAS -> NativeAllocator.GLIBC_TUNING.forEach((k, v) -> {
                if (!k.equals("MALLOC_ARENA_MAX")) {
                    env.put(k, v);
                }
            });
            case GLIBC_TUNED -> env.putAll(NativeAllocator.GLIBC_TUNING);
            case JEMALLOC -> {
                Path lib = jemalloc.orElseThrow(() -> new IllegalArgumentException(
                        "jemalloc is not installed (looked in " + String.join(", ", JEMALLOC_PATHS)
                                + "); install libjemalloc2 or leave out --allocators jemalloc."));
                env.put("LD_PRELOAD", lib + (preload.isEmpty() ? "" : ":" + preload));
                env.put("MALLOC_CONF", "oversize_threshold:0,dirty_decay_ms:60000,muzzy_decay_ms:60000");
            }
        }
        return env;
    }

    /**
     * Runs {@code childCommand + benchTrainArguments} once per setting and round, reading the
     * child's {@code --json} output from its standard output; its standard error (progress bars)
     * goes to this process's.
     *
     * @param childCommand        how to start this program in a child JVM, up to and including the
     *                            main class; the arguments {@code bench train --json ...} follow
     * @param benchTrainArguments {@code bench train}'s options, without {@code --json}
     */
    public static List<Result> run(List<String> childCommand, List<String> benchTrainArguments, List<Setting> settings,
                                   int rounds, Consumer<String> log) throws IOException, InterruptedException {
        if (rounds < 1 || settings.isEmpty()) {
            throw new IllegalArgumentException("--rounds must be >= 1 and at least one setting given, got "
                    + rounds + " and " + settings + ".");
        }
        Optional<Path> jemalloc = findJemalloc();
        Map<Setting, List<JsonNode>> figures = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            // Alternate the order from round to round so no setting always runs first (cold caches).
            List<Setting> order = new ArrayList<>(settings);
            if (round % 2 == 1) {
                Collections.reverse(order);
            }
            for (Setting s : order) {
                log.accept(String.format(Locale.ROOT, "round %d of %d: %s", round + 1, rounds, s.optionName()));
                JsonNode doc = runChild(childCommand, benchTrainArguments, environment(s, System.getenv(), jemalloc), s);
                figures.computeIfAbsent(s, k -> new ArrayList<>()).add(doc);
            }
        }
        List<Result> results = new ArrayList<>();
        for (Setting s : settings) {
            List<JsonNode> docs = figures.get(s);
            List<Double> seconds = docs.stream().map(d -> d.path("seconds_per_iteration").asDouble()).toList();
            double peak = docs.stream().mapToDouble(d -> d.path("peak_resident_mib").asDouble()).max().orElse(0);
            results.add(new Result(s, docs.get(0).path("allocator").asText(), Timing.median(
                    seconds.stream().mapToDouble(Double::doubleValue).toArray()), peak, seconds));
        }
        return results;
    }

    private static JsonNode runChild(List<String> childCommand, List<String> arguments, Map<String, String> env,
                                     Setting setting) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(childCommand);
        command.addAll(List.of("bench", "train", "--json"));
        command.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        int code = p.waitFor();
        String text = new String(out, StandardCharsets.UTF_8);
        if (code != 0) {
            throw new IllegalStateException("bench train under " + setting.optionName() + " exited with " + code
                    + " (its messages are above).");
        }
        JsonNode doc = JSON.readTree(text);
        String allocator = doc.path("allocator").asText();
        if (!tookEffect(setting, allocator)) {
            throw new IllegalStateException("the child run for " + setting.optionName() + " reports its allocator as '"
                    + allocator + "'; the setting did not take effect.");
        }
        return doc;
    }

    /**
     * Whether a child's reported allocator is the setting it was started with. A tuned glibc
     * reports the variables of its own process, so the two tuned settings are told apart by
     * {@code MALLOC_ARENA_MAX} (not by this process's description, which has the launcher's four).
     */
    static boolean tookEffect(Setting setting, String allocator) {
        boolean tunedGlibc = allocator.startsWith(NativeAllocator.GLIBC_TUNED.label() + " (");
        return switch (setting) {
            case GLIBC_TUNED -> tunedGlibc && allocator.contains("MALLOC_ARENA_MAX=1");
            case GLIBC_TUNED_ARENAS -> tunedGlibc && !allocator.contains("MALLOC_ARENA_MAX");
            default -> allocator.equals(setting.expected.label());
        };
    }
}
