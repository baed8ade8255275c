package org.biggan4j.run;

import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.eval.QuickEvaluation;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.sample.EvaluationBatch;
import org.biggan4j.sample.StandingStatistics;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.SampleSheetListener;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The demo: the {@code fmnist-demo} preset (a small conditional BigGAN at 32 px) trained on
 * Fashion-MNIST in a run folder (resumed when the folder already holds a checkpoint), then the
 * FID of its samples against the test split and their class accuracy, both through the bundled
 * Fashion-MNIST classifier, with standing statistics as the paper samples (BigGAN appendix C).
 */
public final class DemoRun {

    /** The preset the demo trains. */
    public static final String PRESET = "fmnist-demo";

    private DemoRun() {
    }

    /**
     * @param runDir      the run folder; a run already there is resumed
     * @param overrides   {@code key=value} configuration overrides
     * @param evalSamples samples for FID and class accuracy, at least 100
     */
    public record Request(Path runDir, List<String> overrides, int evalSamples) {
        public Request {
            Objects.requireNonNull(runDir, "runDir");
            overrides = List.copyOf(overrides);
            if (evalSamples < 100) {
                throw new IllegalArgumentException("--eval-samples must be at least 100, got " + evalSamples + ".");
            }
        }
    }

    /**
     * What the demo ended with.
     *
     * @param training          the training run's result
     * @param evaluation        FID and class accuracy of the samples, or null when training was interrupted
     * @param evaluationSeconds how long the evaluation took (0 without one)
     */
    public record Result(TrainingRun.Result training, QuickEvaluation.Result evaluation, double evaluationSeconds) {
    }

    /** Trains (or resumes) the demo run, then evaluates it unless training was interrupted. */
    public static Result run(Request request) throws Exception {
        Path out = request.runDir();
        boolean resume = Files.isDirectory(out.resolve("checkpoints"))
                && new CheckpointStore(out, 1, "").latest().isPresent();
        TrainingRun.Request training = resume ? TrainingRun.Request.resume(out, request.overrides())
                : TrainingRun.Request.start(PRESET, out, request.overrides());
        try (TrainingRun.OpenRun run = TrainingRun.runKeepingSession(training)) {
            if (run.result().interrupted()) {
                return new Result(run.result(), null, 0);
            }
            long start = System.nanoTime();
            QuickEvaluation.Result evaluation = evaluate(run.session(), request.evalSamples());
            return new Result(run.result(), evaluation, (System.nanoTime() - start) / 1e9);
        }
    }

    private static QuickEvaluation.Result evaluate(TrainingSession session, int samples) {
        LabelledImages test = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        ClassifierFeatures features = new ClassifierFeatures(ClassifierFile.fashionMnist(session.device()));
        var config = session.config();
        QuickEvaluation.Result[] result = new QuickEvaluation.Result[1];
        StandingStatistics.during(session.samplingGenerator(), config.output().standingStats(),
                SampleSheetListener.standingBatchSize(config),
                Seeds.derive(config.seed(), "evaluation-standing-statistics"), session.device(),
                () -> result[0] = QuickEvaluation.run(session.samplingGenerator(), test, features,
                        samples, EvaluationBatch.of(session.samplingGenerator().resolution(), session.device()),
                        config.seed(), session.device()));
        return result[0];
    }
}
