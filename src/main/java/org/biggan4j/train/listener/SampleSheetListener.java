package org.biggan4j.train.listener;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.image.ImageSheet;
import org.biggan4j.model.Generator;
import org.biggan4j.sample.StandingStatistics;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A sample sheet every {@code sample_every} iterations and at the end, from fixed latents and
 * classes, so that sheets of one run are comparable: rows are classes (up to
 * {@code sample_rows}), columns are samples. Uses G_ema when the run keeps one, in eval mode
 * with standing BatchNorm statistics ({@code output.standing_stats} noise batches), under no-grad.
 */
public final class SampleSheetListener implements TrainingListener {

    private float[] latents;
    private long[] classes;
    private List<String> rowLabels;
    private int rows;
    private int columns;
    private Path latest;
    private final List<SheetSink> sinks = new ArrayList<>();

    /** Told of every sheet written: its iteration and PNG file. */
    @FunctionalInterface
    public interface SheetSink {
        void accept(long iteration, Path png);
    }

    /** Tells {@code sink} of every sheet this listener writes (the TensorBoard listener). */
    public void alsoTo(SheetSink sink) {
        sinks.add(sink);
    }

    /** Samples directory of a run. */
    public static Path directory(Path runDir) {
        return runDir.resolve("samples");
    }

    /** The last sheet written. */
    public Path latest() {
        return latest;
    }

    @Override
    public void onStart(TrainingSession session, long firstIteration) {
        Generator g = session.samplingGenerator();
        int classCount = g.numClasses();
        columns = session.config().output().sampleColumns();
        int wanted = session.config().output().sampleRows();
        rows = classCount > 0 ? Math.min(wanted == 0 ? 20 : wanted, Math.min(classCount, 20))
                : Math.max(1, wanted == 0 ? columns : wanted);
        // Fixed inputs, from the run seed only: every sheet of the run (and of a resumed run) shows the same z.
        SplittableRandom random = Seeds.stream(session.config().seed(), "sample-sheet");
        int n = rows * columns;
        latents = new float[n * g.latentDim()];
        for (int i = 0; i < latents.length; i++) {
            latents[i] = (float) gaussian(random);
        }
        rowLabels = new ArrayList<>();
        if (classCount > 0) {
            classes = new long[n];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    classes[r * columns + c] = r;
                }
                List<String> names = session.classNames();
                rowLabels.add(r < names.size() ? names.get(r) : "class " + r);
            }
        }
    }

    /** The training batch, at least 2 (BatchNorm needs two samples) and at most 256. */
    public static int standingBatchSize(TrainConfig config) {
        return Math.max(2, Math.min(256, config.training().batchSize()));
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: plain Java randomness keeps the sheet's z independent of libtorch's stream.
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        int every = session.config().output().sampleEvery();
        if (every > 0 && metrics.iteration() % every == 0) {
            write(session, metrics.iteration());
        }
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        if (lastIteration > 0) {
            write(session, lastIteration);
        }
    }

    /** Writes {@code samples/iter-<n>.png} and returns its path. */
    public Path write(TrainingSession session, long iteration) {
        Generator g = session.samplingGenerator();
        Path file = directory(session.runDir()).resolve(String.format("iter-%09d.png", iteration));
        var config = session.config();
        // Standing statistics (fixed noise per run, so sheets stay comparable); G's stored
        // statistics are put back afterwards, so sheets never change the training state.
        StandingStatistics.during(g, config.output().standingStats(), standingBatchSize(config),
                Seeds.derive(config.seed(), "sheet-standing-statistics"), session.device(), () -> {
                    g.eval();
                    try (NoGradGuard noGrad = new NoGradGuard()) {
                        int n = rows * columns;
                        Tensor z = Tensors.fromFloats(latents, session.device(), n, g.latentDim());
                        Tensor y = classes == null ? null : Tensors.fromLongs(classes, session.device(), n);
                        ImageSheet.write(g.forward(z, y), file, columns, 2, rowLabels);
                    }
                });
        latest = file;
        for (SheetSink sink : sinks) {
            sink.accept(iteration, file);
        }
        return file;
    }
}
