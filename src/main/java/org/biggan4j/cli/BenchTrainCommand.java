package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.biggan4j.bench.PeakBenchmark;
import org.biggan4j.bench.TrainBenchmark;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code biggan4j bench train}: seconds per training iteration of a preset (median over timed
 * iterations after warm-up), images/s, counted FLOPs, achieved GFLOP/s and the model FLOPs
 * utilisation against {@code bench peak}'s convolution figure, and peak resident memory.
 *
 * <p>Images per iteration = batch_size x accumulation, the batch of the iteration's G update, as
 * BigGAN-PyTorch counts its batch ({@link TrainConfig.TrainingConfig#imagesPerIteration}); the
 * real images the D steps read (x d_steps) are reported apart, as {@code d_images_per_iteration}.
 * The JSON keys are snake_case, as every bench command's.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Time training iterations of a preset through the real step: median seconds per iteration "
                + "after warm-up, images/s, FLOPs per iteration (counted from the layers, forward and backward of "
                + "all D and G steps), achieved GFLOP/s, model FLOPs utilisation against the peak of "
                + "'bench peak', and peak resident memory.",
                "Images per iteration = batch_size x accumulation, the batch of the G update (as BigGAN-PyTorch "
                        + "counts its batch); the real images the D steps read (x d_steps) are reported apart as "
                        + "D images.",
                "Example: biggan4j bench train --preset biggan-128 --set model.ch=32 --set training.batch_size=16 "
                        + "--set training.accumulation=1"})
public final class BenchTrainCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "P", description = "A preset name or a YAML file.")
    String preset;

    @Option(names = "--data", paramLabel = "PATH", description = "Training data (default: the embedded Fashion-MNIST).")
    Path data;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (sets device).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (sets threads).")
    Integer threads;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N",
            description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N",
            description = "Timed iterations (median; default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--peak-gflops", paramLabel = "G",
            description = "The machine's convolution peak in GFLOP/s for utilisation, in the run's precision "
                    + "(bf16 when training.bf16); measured now when absent.")
    Double peakGflops;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be >= 1 and --warmup >= 0, got " + runs + " and " + warmup + ".");
        }
        if (peakGflops != null && !(peakGflops > 0)) {
            throw new IllegalArgumentException("--peak-gflops must be positive, got " + peakGflops + ".");
        }
        List<String> all = new ArrayList<>();
        // Enough iterations that schedules and the EMA start behave as in a long run.
        all.add("training.iterations=1000000");
        all.addAll(overrides);
        if (data != null) {
            all.add("data.path=" + data.toAbsolutePath());
        }
        if (device != null) {
            all.add("device=" + device);
        }
        if (threads != null) {
            all.add("threads=" + threads);
        }
        TrainConfig config = TrainBenchmark.check(ConfigLoader.load(preset, all), warmup, runs);
        Path scratch = Files.createTempDirectory("biggan4j-bench-train");
        TrainBenchmark.Result r;
        PeakBenchmark.Result peak = null;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("bench train").setInitialMax(warmup + 1 + runs)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUnit(" it", 1).build()) {
            r = TrainBenchmark.run(config, scratch, warmup, runs, bar::stepTo);
        } finally {
            deleteTree(scratch);
        }
        if (peakGflops == null) {
            ComputeDevice d = Engine.configure(ComputeDevice.parse(config.device()), config.threads(), config.seed());
            peak = PeakBenchmark.run(d, 5);
        }
        boolean bf16 = config.training().bf16();
        double peakConv = peakGflops != null ? peakGflops : peak.convGflops(bf16);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("preset", preset);
        doc.put("overrides", overrides);
        doc.put("device", r.device());
        doc.put("threads", r.threads());
        doc.put("allocator", NativeAllocator.current().description());
        doc.put("batch_size", config.training().batchSize());
        doc.put("accumulation", config.training().accumulation());
        doc.put("d_steps", config.training().dSteps());
        doc.put("warmup_iterations", r.warmup());
        doc.put("timed_iterations", r.iterationSeconds().length);
        doc.put("seconds_per_iteration", r.secondsPerIteration());
        doc.put("iteration_seconds", r.iterationSeconds());
        doc.put("iterations_per_second", r.iterationsPerSecond());
        doc.put("images_per_iteration", r.imagesPerIteration());
        doc.put("images_per_second", r.imagesPerSecond());
        doc.put("d_images_per_iteration", r.discriminatorImagesPerIteration());
        doc.put("d_images_per_second", r.discriminatorImagesPerSecond());
        doc.put("gflop_per_iteration", r.flopsPerIteration() / 1e9);
        doc.put("achieved_gflops", r.achievedGflops());
        doc.put("peak_conv_gflops", peakConv);
        doc.put("peak_precision", bf16 ? "bf16" : "float32");
        doc.put("peak_measured_now", peak != null);
        doc.put("model_flops_utilisation", r.achievedGflops() / peakConv);
        doc.put("peak_resident_mib", r.peakResidentBytes() / (1024.0 * 1024.0));
        doc.put("jvm_overhead_share", r.javaShare());
        doc.put("libtorch_share", r.libtorchShare());
        doc.put("waiting_share", r.waitingShare());
        doc.put("thread_samples", r.samples());
        doc.put("libtorch_samples_by_caller", r.libtorchSites());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            out.printf(Locale.ROOT, "%s%s on %s, %d threads, %s: batch %d x accumulation %d, %d D steps%n", preset,
                    overrides.isEmpty() ? "" : " " + String.join(" ", overrides), r.device(), r.threads(),
                    NativeAllocator.current().description(), config.training().batchSize(),
                    config.training().accumulation(), config.training().dSteps());
            out.printf(Locale.ROOT, "  %.3f s/iteration (median of %d after %d warm-up), %.3f iterations/s, "
                    + "%.1f images/s (%d per iteration: batch x accumulation; D reads %.1f real images/s)%n",
                    r.secondsPerIteration(), runs, warmup, r.iterationsPerSecond(), r.imagesPerSecond(),
                    r.imagesPerIteration(), r.discriminatorImagesPerSecond());
            out.printf(Locale.ROOT, "  %.1f GFLOP/iteration, %.1f GFLOP/s achieved, %.0f%% of the %.1f GFLOP/s "
                            + "%s convolution peak%n", r.flopsPerIteration() / 1e9, r.achievedGflops(),
                    100 * r.achievedGflops() / peakConv, peakConv, bf16 ? "bf16" : "float32");
            out.printf(Locale.ROOT, "  peak resident memory %.0f MiB%n", r.peakResidentBytes() / (1024.0 * 1024.0));
            out.printf(Locale.ROOT, "  training thread: %.1f%% in libtorch, %.1f%% in Java (JVM overhead), %.1f%% waiting "
                    + "(%d stack samples)%n", 100 * r.libtorchShare(), 100 * r.javaShare(), 100 * r.waitingShare(),
                    r.samples());
            long total = r.libtorchSites().values().stream().mapToLong(Long::longValue).sum();
            r.libtorchSites().entrySet().stream().limit(8).forEach(e -> out.printf(Locale.ROOT,
                    "    %5.1f%% of libtorch time under %s%n", 100.0 * e.getValue() / total, e.getKey()));
        }
        out.flush();
        return 0;
    }

    /** Deletes a scratch folder and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
