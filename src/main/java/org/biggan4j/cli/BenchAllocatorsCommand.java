package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.bench.AllocatorComparison;
import org.biggan4j.bench.AllocatorComparison.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j bench allocators}: {@code bench train} of one configuration under each C
 * allocator setting, each in a fresh JVM, side by side (see {@link AllocatorComparison}).
 */
@Command(name = "allocators", mixinStandardHelpOptions = true,
        description = {"Time 'bench train' of one configuration under several C allocator settings, each in a fresh "
                + "JVM started with that setting, and print seconds per iteration and peak resident memory side by side.",
                "Settings: glibc-defaults, glibc-tuned-arenas, glibc-tuned (the launcher's default), jemalloc (when "
                        + "installed).",
                "Example: biggan4j bench allocators --preset biggan-cifar --set model.image_channels=3 --rounds 2"})
public final class BenchAllocatorsCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "P", description = "A preset name or a YAML file.")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--allocators", paramLabel = "S", split = ",",
            description = "Settings to compare (default: the glibc ones, and jemalloc where it is installed).")
    List<String> allocators;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (sets threads).")
    Integer threads;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N",
            description = "Untimed iterations in each run (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N",
            description = "Timed iterations in each run (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--rounds", defaultValue = "1", paramLabel = "N",
            description = "Runs per setting, alternating the order (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Setting> settings = new ArrayList<>();
        if (allocators == null) {
            settings.addAll(List.of(Setting.GLIBC_DEFAULTS, Setting.GLIBC_TUNED_ARENAS, Setting.GLIBC_TUNED));
            if (AllocatorComparison.findJemalloc().isPresent()) {
                settings.add(Setting.JEMALLOC);
            }
        } else {
            allocators.forEach(a -> settings.add(Setting.parse(a)));
        }
        List<String> arguments = new ArrayList<>(List.of("--preset", preset, "--warmup", Integer.toString(warmup),
                "--runs", Integer.toString(runs), "--peak-gflops", "1"));
        overrides.forEach(o -> arguments.addAll(List.of("--set", o)));
        if (threads != null) {
            arguments.addAll(List.of("--threads", Integer.toString(threads)));
        }
        List<AllocatorComparison.Result> results = AllocatorComparison.run(childCommand(), arguments, settings, rounds,
                line -> System.err.println("bench allocators: " + line));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (AllocatorComparison.Result r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("setting", r.setting().optionName());
                row.put("allocator", r.allocator());
                row.put("seconds_per_iteration", r.secondsPerIteration());
                row.put("round_seconds", r.roundSeconds());
                row.put("peak_resident_mib", r.peakResidentMib());
                rows.add(row);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("preset", preset);
            doc.put("overrides", overrides);
            doc.put("rounds", rounds);
            doc.put("results", rows);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            out.printf(Locale.ROOT, "%s%s, median of %d timed iterations after %d warm-up, %d round(s):%n", preset,
                    overrides.isEmpty() ? "" : " " + String.join(" ", overrides), runs, warmup, rounds);
            double best = results.stream().mapToDouble(AllocatorComparison.Result::secondsPerIteration).min()
                    .orElseThrow();
            for (AllocatorComparison.Result r : results) {
                out.printf(Locale.ROOT, "  %-20s %8.3f s/iteration (%.2fx the best)  peak %6.0f MiB  %s%n",
                        r.setting().optionName(), r.secondsPerIteration(), r.secondsPerIteration() / best,
                        r.peakResidentMib(), r.allocator());
            }
        }
        out.flush();
        return 0;
    }

    /**
     * This program in a child JVM: the same java, heap and system properties, class path and main
     * class (the launcher's allocator variables are not passed: each setting brings its own).
     */
    static List<String> childCommand() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-D")) {
                command.add(a);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Biggan4j.class.getName()));
        return command;
    }
}
