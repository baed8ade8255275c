package org.biggan4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.StandingStatistics;
import org.biggan4j.checkpoint.StoredStandingStatistics;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.run.Progress;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j standing-stats}: computes standing BatchNorm statistics of a checkpoint's
 * generator at a list of truncations and stores them in the checkpoint, where {@code sample} and
 * {@code eval} find them.
 */
@Command(name = "standing-stats", mixinStandardHelpOptions = true,
        description = {"Compute standing BatchNorm statistics (BigGAN appendix C) of G_ema at each truncation over K "
                + "noise batches and store them in the checkpoint; sample and eval then use them at those truncations "
                + "instead of a shorter pass of their own.",
                "Example: biggan4j standing-stats runs/demo --truncations 0,1.0,0.5 --batches 100"})
public final class StandingStatsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder (its newest checkpoint) or a .b4j checkpoint.")
    Path checkpoint;

    @Option(names = "--truncations", paramLabel = "T,...", split = ",", defaultValue = "0",
            description = "Truncation thresholds (0 = none; default: ${DEFAULT-VALUE}).")
    List<Double> truncations;

    @Option(names = "--batches", paramLabel = "K", defaultValue = "" + StandingStatistics.DEFAULT_BATCHES,
            description = "Noise batches per truncation (default: ${DEFAULT-VALUE}, as in the paper).")
    int batches;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--no-ema", description = "For G's own weights instead of G_ema's.")
    boolean noEma;

    @Override
    public Integer call() {
        if (batches < 1 || batch < 2 || truncations.isEmpty()
                || truncations.stream().anyMatch(t -> !(t >= 0) || t.isInfinite())) {
            throw new IllegalArgumentException("Need --batches >= 1, --batch >= 2 and truncations >= 0 (0 = none), got "
                    + batches + ", " + batch + " and " + truncations + ".");
        }
        ComputeDevice device = runtime.apply();
        TrainedGenerator trained = TrainedGenerator.load(checkpoint, !noEma, device);
        if (trained.generator().truncationIndexedStatistics()) {
            throw new IllegalArgumentException(trained.checkpoint() + " holds BatchNorm statistics tabulated by "
                    + "truncation (an imported BigGAN-deep model): sample and eval choose them from --truncation, and "
                    + "standing statistics do not apply.");
        }
        long seed = Seeds.derive(runtime.seed(), "standing-stats");
        Map<Double, Map<String, Tensor>> computed = new LinkedHashMap<>();
        try (ProgressBar bar = Progress.bar("standing stats", (long) batches * truncations.size(), " batches")) {
            for (int i = 0; i < truncations.size(); i++) {
                long before = (long) i * batches;
                double t = truncations.get(i);
                computed.put(t, StandingStatistics.compute(trained.generator(), LatentDistribution.forTruncation(t),
                        batches, batch, Seeds.derive(seed, "t" + t), device, b -> bar.stepTo(before + b)));
            }
        }
        StoredStandingStatistics.store(trained.checkpoint(), trained.weightsGroup(), computed, batches, batch, seed);
        computed.values().forEach(m -> m.values().forEach(Tensor::close));
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "Stored standing statistics of %s at truncations %s (%d batches of %d) in %s%n",
                trained.ema() ? "G_ema" : "G", truncations, batches, batch, trained.checkpoint().toAbsolutePath());
        w.flush();
        return 0;
    }
}
