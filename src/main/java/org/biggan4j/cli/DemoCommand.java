package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.eval.QuickEvaluation;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.run.TrainingRun;
import org.biggan4j.sample.StandingStatistics;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.train.listener.SampleSheetListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
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
        if (evalSamples < 100) {
            throw new IllegalArgumentException("--eval-samples must be at least 100, got " + evalSamples + ".");
        }
        boolean resume = Files.isDirectory(out.resolve("checkpoints"))
                && new CheckpointStore(out, 1, "").latest().isPresent();
        TrainingRun.Request request = resume ? TrainingRun.Request.resume(out, overrides)
                : TrainingRun.Request.start("fmnist-demo", out, overrides);
        TrainingRun.OpenRun run = TrainingRun.runKeepingSession(request);
        TrainingRun.Result outcome = run.result();
        PrintWriter w = spec.commandLine().getOut();
        try (run) {
            var session = run.session();
            if (!outcome.interrupted()) {
                long start = System.nanoTime();
                LabelledImages test = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
                ClassifierFeatures features = new ClassifierFeatures(ClassifierFile.fashionMnist(session.device()));
                var config = session.config();
                QuickEvaluation.Result[] result = new QuickEvaluation.Result[1];
                StandingStatistics.during(session.samplingGenerator(), config.output().standingStats(),
                        SampleSheetListener.standingBatchSize(config),
                        Seeds.derive(config.seed(), "evaluation-standing-statistics"), session.device(),
                        () -> result[0] = QuickEvaluation.run(session.samplingGenerator(), test, features,
                                evalSamples, 250, config.seed(), session.device()));
                QuickEvaluation.Result r = result[0];
                w.printf(Locale.ROOT, "FID against the Fashion-MNIST test split (%d real, %d generated images, "
                        + "features of the bundled classifier): %.2f%n", r.realImages(), r.samples(), r.fid());
                w.printf(Locale.ROOT, "Class accuracy of the samples (bundled classifier, 93%% on real test images): "
                        + "%.1f%%%n", 100 * r.classAccuracy());
                w.printf(Locale.ROOT, "(evaluation took %.0f s)%n", (System.nanoTime() - start) / 1e9);
            }
        }
        w.printf("Samples: %s%n", outcome.latestSheet() == null ? "(none)" : outcome.latestSheet().toAbsolutePath());
        w.printf("Loss curves: %s%n", out.resolve("losses.png").toAbsolutePath());
        w.printf("Metrics: %s, checkpoints: %s%n", out.resolve("metrics.csv").toAbsolutePath(),
                out.resolve("checkpoints").toAbsolutePath());
        w.flush();
        return 0;
    }
}
