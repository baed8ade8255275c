package org.biggan4j.cli;

import org.biggan4j.eval.QuickEvaluation;
import org.biggan4j.run.DemoRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j demo}: the {@code fmnist-demo} preset (a small conditional BigGAN at 32 px) on
 * Fashion-MNIST, then FID against the test split and the class accuracy of its samples, both
 * through the bundled Fashion-MNIST classifier.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train the fmnist-demo preset on Fashion-MNIST (embedded test split, or the full set when "
                + "installed), then print FID and class accuracy of its samples and where its sheets are.")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "RUN",
            description = "Run folder (default: ${DEFAULT-VALUE}); an existing demo run is resumed.")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--eval-samples", defaultValue = "5000", paramLabel = "N",
            description = "Samples for FID and class accuracy (default: ${DEFAULT-VALUE}).")
    int evalSamples;

    @Override
    public Integer call() throws Exception {
        DemoRun.Result result = DemoRun.run(new DemoRun.Request(out, overrides, evalSamples));
        PrintWriter w = spec.commandLine().getOut();
        QuickEvaluation.Result r = result.evaluation();
        if (r != null) {
            w.printf(Locale.ROOT, "FID against the Fashion-MNIST test split (%d real, %d generated images, "
                    + "features of the bundled classifier): %.2f%n", r.realImages(), r.samples(), r.fid());
            w.printf(Locale.ROOT, "Class accuracy of the samples (bundled classifier, 93%% on real test images): "
                    + "%.1f%%%n", 100 * r.classAccuracy());
            w.printf(Locale.ROOT, "(evaluation took %.0f s)%n", result.evaluationSeconds());
        }
        Path sheet = result.training().latestSheet();
        w.printf("Samples: %s%n", sheet == null ? "(none)" : sheet.toAbsolutePath());
        w.printf("Loss curves: %s%n", out.resolve("losses.png").toAbsolutePath());
        w.printf("Metrics: %s, checkpoints: %s%n", out.resolve("metrics.csv").toAbsolutePath(),
                out.resolve("checkpoints").toAbsolutePath());
        w.flush();
        return 0;
    }
}
