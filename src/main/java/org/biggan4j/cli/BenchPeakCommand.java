package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.bench.PeakBenchmark;
import org.biggan4j.tensor.ComputeDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code biggan4j bench peak}: the machine's sgemm and convolution GFLOP/s through libtorch. */
@Command(name = "peak", mixinStandardHelpOptions = true,
        description = "The machine's ceiling through libtorch: float32 sgemm 2048^3 and a 3x3 conv 128->128 on "
                + "32x128x32x32, forward + backward, in GFLOP/s (the yardstick for model FLOPs utilisation).")
public final class BenchPeakCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "7", description = "Timed runs (median; default ${DEFAULT-VALUE}).")
    int runs;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1, got " + runs + ".");
        }
        ComputeDevice device = runtime.apply();
        PeakBenchmark.Result r = PeakBenchmark.run(device, runs);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        } else {
            out.printf(Locale.ROOT, "device %s, %d threads%n", r.device(), r.threads());
            out.printf(Locale.ROOT, "sgemm 2048^3            %8.1f GFLOP/s  (%.1f ms)%n", r.sgemmGflops(),
                    r.sgemmSeconds() * 1e3);
            out.printf(Locale.ROOT, "conv3x3 fwd+bwd         %8.1f GFLOP/s  (%.1f ms)%n", r.convGflops(),
                    r.convSeconds() * 1e3);
            out.printf(Locale.ROOT, "conv3x3 fwd+bwd bf16    %8.1f GFLOP/s  (%.1f ms)%n", r.convBf16Gflops(),
                    r.convBf16Seconds() * 1e3);
        }
        out.flush();
        return 0;
    }
}
