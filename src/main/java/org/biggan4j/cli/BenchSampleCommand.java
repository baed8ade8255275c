package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.bench.SampleBenchmark;
import org.biggan4j.tensor.ComputeDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j bench sample}: images per second of sampling as {@code biggan4j sample} runs it
 * (see {@link SampleBenchmark}).
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Sampling speed (images/s) as `biggan4j sample` runs it: truncated latents, eval mode, no "
                + "autograd, random weights of the architecture.",
                "Default: the imported published BigGAN-deep 128 and 256 px (pytorch-pretrained-BigGAN's official "
                        + "configs) at batch 1, 8 and 32, truncation 0.4.",
                "Example: biggan4j bench sample --preset fmnist-demo --batch 32,64,256 --truncation 0 --json"})
public final class BenchSampleCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--preset", paramLabel = "P", split = ",",
            description = "Presets' generators to measure (with --set).")
    List<String> presets = new ArrayList<>();

    @Option(names = "--imported", paramLabel = "RES", split = ",",
            description = "Imported published BigGAN-deep models to measure, by resolution (128, 256, 512). "
                    + "Default when no --preset is given: 128,256.")
    List<Integer> imported = new ArrayList<>();

    @Option(names = "--batch", paramLabel = "B", split = ",", defaultValue = "1,8,32",
            description = "Batch sizes, each measured for every model (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--truncation", paramLabel = "T", defaultValue = "0.4",
            description = "As `sample --truncation` (0 = none; default ${DEFAULT-VALUE}).")
    double truncation;

    @Option(names = "--classes", paramLabel = "K", defaultValue = "1000",
            description = "Classes when a preset takes them from the data (default: ${DEFAULT-VALUE}, ImageNet).")
    int classes;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a preset's configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed batches first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Timed batches (median; default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0 || classes < 1 || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)
                || truncation < 0 || truncation > 1) {
            throw new IllegalArgumentException("Need --runs >= 1, --warmup >= 0, --classes >= 1, every --batch >= 1 "
                    + "and 0 <= --truncation <= 1.");
        }
        List<SampleBenchmark.Model> models = new ArrayList<>();
        for (String p : presets) {
            models.add(SampleBenchmark.Model.preset(p, overrides));
        }
        for (int r : presets.isEmpty() && imported.isEmpty() ? List.of(128, 256) : imported) {
            models.add(SampleBenchmark.Model.imported(r));
        }
        ComputeDevice device = runtime.apply();
        PrintWriter out = spec.commandLine().getOut();
        List<SampleBenchmark.Row> results = new ArrayList<>();
        for (SampleBenchmark.Model model : models) {
            for (SampleBenchmark.Row r : SampleBenchmark.run(model, batches, classes, truncation, warmup, runs, device)) {
                results.add(r);
                if (!json) {
                    out.printf(Locale.ROOT, "%-24s %4d px ch %3d, %4d classes, batch %3d, truncation %.2f: %.3f s/batch, "
                                    + "%.2f images/s%n", r.model(), r.resolution(), r.ch(), r.classes(), r.batch(),
                            r.truncation(), r.secondsPerBatch(), r.imagesPerSecond());
                    out.flush();
                }
            }
        }
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        }
        out.flush();
        return 0;
    }
}
