package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.bench.InceptionBenchmark;
import org.biggan4j.bench.PeakBenchmark;
import org.biggan4j.eval.inception.FidInception;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code biggan4j bench inception}: images/s of the FID Inception in float32 and bf16. */
@Command(name = "inception", mixinStandardHelpOptions = true,
        description = {"Images/s of the FID Inception v3 (pool3 features of 299 px images, random weights) in float32 "
                + "and bf16, GFLOP/s against the convolution peak of 'bench peak', and what a 10,000-sample FID costs.",
                "Example: biggan4j bench inception --batch 50 --json"})
public final class BenchInceptionCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--batch", defaultValue = "50", paramLabel = "B", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N", description = "Untimed batches (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", paramLabel = "N", description = "Timed batches, median (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--precision", split = ",", paramLabel = "P", defaultValue = "float32,bf16",
            description = "float32, bf16 or both (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch and --runs must be >= 1 and --warmup >= 0, got " + batch + ", "
                    + runs + " and " + warmup + ".");
        }
        ComputeDevice device = runtime.apply();
        List<InceptionBenchmark.Row> rows = new ArrayList<>();
        for (String p : precisions) {
            ScalarType dtype = switch (p.trim().toLowerCase(Locale.ROOT)) {
                case "float32", "fp32" -> ScalarType.Float;
                case "bf16", "bfloat16" -> ScalarType.BFloat16;
                default -> throw new IllegalArgumentException("--precision takes float32 or bf16, not '" + p + "'.");
            };
            rows.add(InceptionBenchmark.run(device, dtype, batch, warmup, runs));
        }
        PeakBenchmark.Result peak = PeakBenchmark.run(device, 3);
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (InceptionBenchmark.Row r : rows) {
            double peakGflops = peak.convGflops(r.precision().equals("bf16"));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("precision", r.precision());
            doc.put("batch", r.batch());
            doc.put("seconds_per_batch", r.secondsPerBatch());
            doc.put("images_per_second", r.imagesPerSecond());
            doc.put("achieved_gflops", r.achievedGflops());
            doc.put("peak_conv_gflops", peakGflops);
            doc.put("utilisation", r.achievedGflops() / peakGflops);
            // The generated side of a 10k FID; real images' features are cached after the first time.
            doc.put("fid_10k_samples_seconds", 10_000 / r.imagesPerSecond());
            docs.add(doc);
        }
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("device", device.toString());
            all.put("threads", InceptionBenchmark.threads());
            all.put("gflop_per_image", FidInception.flopsPerImage() / 1e9);
            all.put("results", docs);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all));
        } else {
            out.printf(Locale.ROOT, "FID Inception v3, %s, %d threads, batch %d, %.2f GFLOP per image%n", device,
                    InceptionBenchmark.threads(), batch, FidInception.flopsPerImage() / 1e9);
            for (Map<String, Object> d : docs) {
                out.printf(Locale.ROOT, "  %-8s %7.1f images/s  %6.1f GFLOP/s (%.0f%% of the %.0f GFLOP/s conv peak)"
                                + "  10k samples: %.0f s%n", d.get("precision"), (double) d.get("images_per_second"),
                        (double) d.get("achieved_gflops"), 100 * (double) d.get("utilisation"),
                        (double) d.get("peak_conv_gflops"), (double) d.get("fid_10k_samples_seconds"));
            }
        }
        out.flush();
        return 0;
    }
}
