package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.bench.Timing;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Generator;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
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
 * {@code biggan4j bench sample}: images per second of sampling (eval mode, no autograd, as
 * {@code biggan4j sample} runs G) for presets' generators with random weights; the weights do
 * not change the work, so this is the speed of a published model of the same architecture.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Sampling speed (images/s, eval mode, no autograd) of presets' generators with random weights.",
                "Default: BigGAN-deep 128 px (the published architecture, 1000 classes, batch 16) and fmnist-demo 32 px "
                        + "(batch 64).",
                "Example: biggan4j bench sample --preset biggan-128 --batch 16 --json"})
public final class BenchSampleCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    /** One measurement. */
    public record Result(String preset, int resolution, int ch, int classes, int batch, double secondsPerBatch,
                         double imagesPerSecond, String device, int threads) {
    }

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--preset", paramLabel = "P", split = ",",
            description = "Presets to measure (default: biggan-deep-128,fmnist-demo).")
    List<String> presets;

    @Option(names = "--batch", paramLabel = "B", split = ",",
            description = "Batch per preset (default: 16 for 128 px and up, else 64).")
    List<Integer> batches;

    @Option(names = "--classes", paramLabel = "K", defaultValue = "1000",
            description = "Classes when the preset takes them from the data (default: ${DEFAULT-VALUE}, ImageNet).")
    int classes;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "Timed batches (median; default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<String> which = presets == null ? List.of("biggan-deep-128", "fmnist-demo") : presets;
        if (runs < 1 || classes < 1 || (batches != null && batches.size() != which.size())
                || (batches != null && batches.stream().anyMatch(b -> b < 1))) {
            throw new IllegalArgumentException("Need --runs >= 1, --classes >= 1 and one --batch >= 1 per preset.");
        }
        ComputeDevice device = runtime.apply();
        List<Result> results = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < which.size(); i++) {
            TrainConfig config = ConfigLoader.load(which.get(i), overrides);
            TrainConfig.ModelConfig m = config.model();
            int k = m.conditional() ? (m.classes() > 0 ? m.classes() : classes) : 0;
            ModelSpec s = Models.spec(m, false, k, m.imageChannels() > 0 ? m.imageChannels() : 3);
            int batch = batches != null ? batches.get(i) : s.resolution() >= 128 ? 16 : 64;
            ModelSize.requireWithinLimit("preset " + which.get(i) + " with --set " + overrides, s);
            Generator g = Models.generator(s, device);
            g.eval();
            long[] ids = new long[batch];
            for (int j = 0; j < batch; j++) {
                ids[j] = k == 0 ? 0 : (j * 97L) % k;
            }
            double seconds = Timing.medianSeconds(device, 1, runs, () -> {
                try (NoGradGuard ng = new NoGradGuard()) {
                    g.forward(Tensors.randn(device, batch, s.latentDim()), k == 0 ? null : Tensors.fromLongs(ids, device,
                            batch));
                }
            });
            g.close();
            Result r = new Result(which.get(i), s.resolution(), s.ch(), k, batch, seconds, batch / seconds,
                    device.toString(), torch.get_num_threads());
            results.add(r);
            if (!json) {
                out.printf(Locale.ROOT, "%-18s %4d px ch %3d, %4d classes, batch %3d: %.3f s/batch, %.1f images/s%n",
                        r.preset(), r.resolution(), r.ch(), r.classes(), r.batch(), r.secondsPerBatch(),
                        r.imagesPerSecond());
                out.flush();
            }
        }
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        }
        out.flush();
        return 0;
    }
}
