package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.bench.SmallDataBenchmark;
import org.biggan4j.eval.inception.InceptionWeightsCache;
import org.biggan4j.run.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j bench small-data}: the {@code fmnist-small} preset (100 images per class) trained
 * without augmentation, with DiffAugment and with ADA, the same iterations and seeds each, scored
 * by FID-FMNIST, class accuracy and (when the FID Inception's weights are at hand) Inception FID.
 */
@Command(name = "small-data", mixinStandardHelpOptions = true,
        description = {"Train the fmnist-small preset (Fashion-MNIST, 100 images per class) with each variant "
                + "(none, diffaugment = augment.policy=color,translation,cutout, ada = augment.ada.enabled=true), the "
                + "same iterations and seeds, and print the FID of G_ema's samples against the test split on the "
                + "bundled classifier's features (FID-FMNIST), the class accuracy of the samples, and the standard "
                + "Inception FID when the FID Inception weights are in the cache or given with --inception.",
                "A benchmark, not a test: one run of the preset's 1,500 iterations takes roughly a quarter of an hour on 2 "
                        + "quiet CPU cores (the fmnist-demo model's speed), so the default 6 runs take well over an hour.",
                "Example: biggan4j bench small-data --iterations 1500 --seeds 0,1 --json"})
public final class BenchSmallDataCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Option(names = "--iterations", paramLabel = "N",
            description = "G updates per run (default: the preset's training.iterations).")
    Long iterations;

    @Option(names = "--seeds", split = ",", defaultValue = "0,1", paramLabel = "S",
            description = "Run seeds; every variant trains with each (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--variants", split = ",", defaultValue = "none,diffaugment,ada", paramLabel = "V",
            description = "Variants to train: none, diffaugment, ada (default: ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(names = "--eval-samples", defaultValue = "2000", paramLabel = "N",
            description = "Generated images per evaluation (default: ${DEFAULT-VALUE}).")
    int evalSamples;

    @Option(names = "--real-images", defaultValue = "0", paramLabel = "N",
            description = "Test images in the reference set, evenly over the classes; 0 = the whole test split "
                    + "(default: ${DEFAULT-VALUE}).")
    int realImages;

    @Option(names = "--inception", paramLabel = "FILE",
            description = "pytorch-fid's " + InceptionWeightsCache.FILE_NAME + " for the Inception FID (default: the "
                    + "copy in the user cache, when there is one; without weights it is skipped).")
    Path inception;

    @Option(names = "--no-inception", description = "Skip the Inception FID even when its weights are cached.")
    boolean noInception;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a configuration key of every run (repeatable), e.g. device=cuda.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path weights = inceptionWeights();
        long n = iterations != null ? iterations : SmallDataBenchmark.presetIterations();
        SmallDataBenchmark.Request request = new SmallDataBenchmark.Request(variants, seeds, n, evalSamples,
                realImages, overrides, weights);
        request.configs(); // every configuration checked before the first run trains
        Path scratch = Files.createTempDirectory("biggan4j-bench-small-data");
        List<SmallDataBenchmark.Run> runs;
        int total = variants.size() * seeds.size();
        try (ProgressBar bar = Progress.bar("small-data", total * n, " it")) {
            runs = SmallDataBenchmark.run(request, scratch, bar::stepTo, i -> bar.setExtraMessage(
                    String.format(Locale.ROOT, "run %d/%d: %s, seed %d", i + 1, total,
                            variants.get(i / seeds.size()), seeds.get(i % seeds.size()))));
        } finally {
            BenchTrainCommand.deleteTree(scratch);
        }
        List<SmallDataBenchmark.Summary> summary = SmallDataBenchmark.summarise(runs);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("preset", SmallDataBenchmark.PRESET);
            doc.put("date", LocalDate.now(ZoneOffset.UTC).toString());
            doc.put("iterations", n);
            doc.put("seeds", seeds);
            doc.put("eval_samples", evalSamples);
            doc.put("overrides", overrides);
            doc.put("inception_weights", weights == null ? null : weights.toString());
            doc.put("runs", runs);
            doc.put("summary", summary);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(withoutNaN(JSON.valueToTree(doc))));
        } else {
            out.printf(Locale.ROOT, "%s, %d iterations, seeds %s, %d samples per evaluation (G_ema, standing "
                    + "statistics), FID against the test split%n", SmallDataBenchmark.PRESET, n, seeds, evalSamples);
            out.printf(Locale.ROOT, "%-12s %6s %11s %14s %10s %8s%n", "variant", "seed", "FID-FMNIST", "Inception FID",
                    "class acc", "s/it");
            for (SmallDataBenchmark.Run r : runs) {
                out.printf(Locale.ROOT, "%-12s %6d %11.2f %14s %10.3f %8.3f%n", r.variant(), r.seed(), r.fid(),
                        number(r.inceptionFid()), r.classAccuracy(), r.secondsPerIteration());
            }
            out.println("mean +- standard deviation over seeds:");
            for (SmallDataBenchmark.Summary s : summary) {
                out.printf(Locale.ROOT, "%-12s %6s %11s %14s %10s %8.3f%n", s.variant(), s.runs() + "x",
                        String.format(Locale.ROOT, "%.2f+-%.2f", s.fidMean(), s.fidStd()),
                        Double.isNaN(s.inceptionFidMean()) ? "n/a" : String.format(Locale.ROOT, "%.2f+-%.2f",
                                s.inceptionFidMean(), s.inceptionFidStd()),
                        String.format(Locale.ROOT, "%.3f+-%.3f", s.classAccuracyMean(), s.classAccuracyStd()),
                        s.secondsPerIteration());
            }
            if (weights == null) {
                out.println("Inception FID: n/a (no FID Inception weights: give --inception FILE, or download them once "
                        + "with an evaluation using --inception).");
            }
        }
        out.flush();
        return 0;
    }

    /** The given weights, else the cached copy when there is one, else none (never downloaded here). */
    private Path inceptionWeights() {
        if (noInception) {
            if (inception != null) {
                throw new IllegalArgumentException("--inception and --no-inception contradict each other: give one.");
            }
            return null;
        }
        if (inception != null) {
            if (!Files.isRegularFile(inception)) {
                throw new IllegalArgumentException("--inception " + inception + " is not a file: give the path of "
                        + InceptionWeightsCache.FILE_NAME + ".");
            }
            return inception;
        }
        InceptionWeightsCache cache = InceptionWeightsCache.atDefaultLocation();
        return Files.isRegularFile(cache.file()) ? cache.obtain(InceptionWeightsCache.Progress.NONE) : null;
    }

    /** A figure that was not computed (the Inception FID without weights) is null in JSON, not "NaN". */
    private static JsonNode withoutNaN(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode value = object.get(name);
                if (value.isNumber() && Double.isNaN(value.doubleValue()) || value.isTextual()
                        && value.asText().equals("NaN")) {
                    object.putNull(name);
                } else {
                    withoutNaN(value);
                }
            }
        } else if (node.isArray()) {
            node.forEach(BenchSmallDataCommand::withoutNaN);
        }
        return node;
    }

    private static String number(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.2f", x);
    }
}
