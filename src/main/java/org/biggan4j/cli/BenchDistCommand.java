package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.ConfigValidator;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.dist.LocalLauncher;
import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.NativeAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j bench dist}: training throughput of a preset with 1, 2, ... data-parallel
 * processes on this machine, each run a real {@code train --nproc N} in a scratch folder
 * sharing the machine's cores among its processes. The same global batch in every run, so the
 * figures compare the same training.
 */
@Command(name = "dist", mixinStandardHelpOptions = true,
        description = {"Training throughput with N data-parallel processes on this machine (c10d over loopback): "
                + "median seconds per iteration after warm-up and images/s of the global batch, for each N, the "
                + "cores shared among the processes. Images per iteration = global batch x accumulation (the G "
                + "update's batch, as BigGAN-PyTorch counts it; D steps read more real images).",
                "Example: biggan4j bench dist --preset biggan-cifar --nproc 1,2 --json"})
public final class BenchDistCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "P", description = "A preset name or a YAML file.")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--nproc", split = ",", defaultValue = "1,2", paramLabel = "N[,N...]",
            description = "Process counts to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> processCounts;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N",
            description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", paramLabel = "N",
            description = "Timed iterations (median; default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be >= 1 and --warmup >= 0, got " + runs + " and " + warmup
                    + ".");
        }
        TrainConfig config = ConfigLoader.load(preset, overrides);
        for (int n : processCounts) {
            if (n < 1) {
                throw new IllegalArgumentException("--nproc " + n + ": every count must be >= 1.");
            }
            ConfigValidator.batchShare(config, n, "--nproc " + n + " processes");
        }
        int cores = Math.max(1, Engine.physicalCores());
        List<Map<String, Object>> results = new ArrayList<>();
        for (int n : processCounts) {
            results.add(measure(n, cores, config));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("preset", preset);
        doc.put("overrides", overrides);
        doc.put("physical_cores", cores);
        // The workers inherit this process's environment, so its allocator is theirs.
        doc.put("allocator", NativeAllocator.current().description());
        doc.put("global_batch", config.training().batchSize());
        doc.put("images_per_iteration", imagesPerIteration(config));
        doc.put("warmup_iterations", warmup);
        doc.put("timed_iterations", runs);
        doc.put("runs", results);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            out.printf(Locale.ROOT, "%s%s, global batch %d, %d physical cores, %s:%n", preset,
                    overrides.isEmpty() ? "" : " " + String.join(" ", overrides), config.training().batchSize(), cores,
                    NativeAllocator.current().description());
            for (Map<String, Object> r : results) {
                out.printf(Locale.ROOT, "  %d process(es) x %d threads: %.3f s/iteration, %.2f images/s%n",
                        r.get("processes"), r.get("threads_per_process"), r.get("seconds_per_iteration"),
                        r.get("images_per_second"));
            }
        }
        out.flush();
        return 0;
    }

    private static int imagesPerIteration(TrainConfig config) {
        return config.training().imagesPerIteration();
    }

    /** One real data-parallel run of warm-up + timed iterations; the figures from rank 0's metrics. */
    private Map<String, Object> measure(int n, int cores, TrainConfig config) throws Exception {
        Path scratch = Files.createTempDirectory("biggan4j-bench-dist");
        try {
            int threads = Math.max(1, cores / n);
            Path run = scratch.resolve("run");
            List<String> args = new ArrayList<>(List.of("train", "--preset", preset, "--out", run.toString(),
                    "--threads", Integer.toString(threads)));
            for (String o : overrides) {
                args.addAll(List.of("--set", o));
            }
            long iterations = warmup + runs;
            for (String o : List.of("training.iterations=" + iterations, "output.log_every=1",
                    "output.sample_every=" + (iterations + 1), "output.checkpoint_every=" + (iterations + 1),
                    "output.eval_every=0", "health.spectra_every=0", "health.on_collapse=off")) {
                args.addAll(List.of("--set", o));
            }
            int code = LocalLauncher.launch(n, Biggan4j.class.getName(), args, Duration.ofSeconds(60),
                    ProcessBuilder.Redirect.to(scratch.resolve("stdout.txt").toFile()));
            if (code != 0) {
                throw new IllegalStateException("The run with " + n + " process(es) failed (exit code " + code
                        + "); its errors are above.");
            }
            double[] seconds = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                    .map(BenchDistCommand::parse)
                    .filter(row -> row.path("iteration").asLong() > warmup)
                    .mapToDouble(row -> row.path("seconds").asDouble()).sorted().toArray();
            if (seconds.length != runs) {
                throw new IllegalStateException("Expected " + runs + " timed iterations in " + run.resolve("metrics.jsonl")
                        + ", found " + seconds.length + ".");
            }
            double median = seconds.length % 2 == 1 ? seconds[seconds.length / 2]
                    : (seconds[seconds.length / 2 - 1] + seconds[seconds.length / 2]) / 2;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("processes", n);
            r.put("threads_per_process", threads);
            r.put("seconds_per_iteration", median);
            r.put("iteration_seconds", Arrays.stream(seconds).boxed().toList());
            r.put("images_per_second", imagesPerIteration(config) / median);
            return r;
        } finally {
            BenchTrainCommand.deleteTree(scratch);
        }
    }

    private static JsonNode parse(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException("Unreadable metrics line: " + line, e);
        }
    }
}
