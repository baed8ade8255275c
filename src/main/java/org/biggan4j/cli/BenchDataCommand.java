package org.biggan4j.cli;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.data.DataBenchmark;
import org.biggan4j.tensor.ComputeDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code biggan4j bench data}: loader images/s from packed files (32 and 128 px) and from JPEGs (128 px). */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Loader throughput (images/s delivered as float tensors in [-1, 1]) on synthetic data: "
                + "a packed file at 32 and 128 px and a folder of 256-400 px JPEGs decoded to 128 px.",
                "Temporary files go to the system temp folder and are deleted afterwards."})
public final class BenchDataCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Option(names = "--images", paramLabel = "N", defaultValue = "5000",
            description = "Synthetic images per packed file (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--jpegs", paramLabel = "N", defaultValue = "300", description = "JPEG files (default: ${DEFAULT-VALUE}).")
    int jpegs;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
            description = "JPEG decoding threads; 0 = one per core (default).")
    int workers;

    @Override
    public Integer call() throws IOException {
        if (images < batchSize || jpegs < batchSize || batchSize < 1) {
            throw new IllegalArgumentException("--images and --jpegs must be at least the batch size " + batchSize + ".");
        }
        ComputeDevice device = runtime.apply();
        int threads = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        Path dir = Files.createTempDirectory("biggan4j-bench-data");
        List<DataBenchmark.Result> results = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        try {
            // Four epochs of the packed data, so the figure includes epoch changes (new permutations).
            int packedBatches = 4 * (images / batchSize);
            for (int r : new int[] {32, 128}) {
                results.add(report(out, DataBenchmark.packed(dir, images, r, batchSize, packedBatches, device)));
            }
            results.add(report(out, DataBenchmark.jpegFolder(dir, jpegs, 128, batchSize,
                    Math.max(2, 2 * (jpegs / batchSize)), threads, device)));
        } finally {
            Files.deleteIfExists(dir);
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("device", device.toString());
            doc.put("cores", Runtime.getRuntime().availableProcessors());
            doc.put("batch_size", batchSize);
            doc.put("jpeg_workers", threads);
            doc.put("results", results);
            // snake_case like every other bench command's JSON (images_per_second, ...)
            out.println(JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(doc));
        }
        out.flush();
        return 0;
    }

    private DataBenchmark.Result report(PrintWriter out, DataBenchmark.Result r) {
        if (!json) {
            out.printf("%-12s %4d px: %9.0f images/s (%d images in %.2f s)%n", r.name(), r.resolution(),
                    r.imagesPerSecond(), r.images(), r.seconds());
            out.flush();
        }
        return r;
    }
}
