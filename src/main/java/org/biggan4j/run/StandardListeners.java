package org.biggan4j.run;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.health.HealthListeners;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.listener.CheckpointListener;
import org.biggan4j.train.listener.EvaluationListener;
import org.biggan4j.train.listener.LossPlotListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.biggan4j.train.listener.ProgressListener;
import org.biggan4j.train.listener.SampleSheetListener;
import org.biggan4j.train.listener.TensorBoardListener;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The listeners of a standard training run, in running order, with the two a caller looks at
 * afterwards: the sample sheets (the newest sheet's path) and the health listeners (the collapse
 * monitor's stop message).
 *
 * @param all    every listener, in the order the loop must call them
 * @param sheets the sample-sheet listener among {@code all}, or null in {@link #none()}
 * @param health the health listeners among {@code all}, or null in {@link #none()}
 */
public record StandardListeners(List<TrainingListener> all, SampleSheetListener sheets, HealthListeners health) {

    public StandardListeners {
        all = List.copyOf(all);
    }

    /** No listeners: what the ranks other than 0 of a data-parallel run use (rank 0 alone writes the run folder). */
    public static StandardListeners none() {
        return new StandardListeners(List.of(), null, null);
    }

    /**
     * The listeners of a {@code train} run in the order they must run: the periodic evaluation
     * (when given) first, so that its figures join the metrics record and the checkpoint of their
     * iteration and reach the collapse monitor before it judges that iteration; health before
     * checkpoints, so that a checkpoint stores the collapse detector's state of its iteration;
     * the TensorBoard writer ({@code output.tensorboard}) last, after all it reads from.
     *
     * @param evaluation the periodic evaluation, or null when {@code output.eval_every} is 0
     */
    public static StandardListeners of(TrainConfig config, StopSignal stop, EvaluationListener evaluation) {
        SampleSheetListener sheets = new SampleSheetListener();
        HealthListeners health = HealthListeners.of(config, stop);
        MetricsLogger metrics = new MetricsLogger();
        CheckpointListener checkpoints = new CheckpointListener();
        List<TrainingListener> all = new ArrayList<>();
        if (evaluation != null) {
            metrics.declareColumns(evaluation.metricNames());
            evaluation.to(EvaluationListener.toMetrics(metrics)).to(EvaluationListener.toCheckpoints(checkpoints));
            if (health.monitor() != null) {
                evaluation.to(EvaluationListener.qualityOnly(health.monitor()::observeQuality));
            }
            all.add(evaluation);
        }
        all.addAll(List.of(metrics, new ProgressListener(), sheets));
        all.addAll(health.list());
        all.add(checkpoints);
        all.add(new LossPlotListener());
        if (config.output().tensorboard()) {
            // Last: it writes what the listeners above produce (records, sheets, spectra) as they produce it.
            TensorBoardListener tensorboard = new TensorBoardListener(metrics, sheets);
            if (health.spectra() != null) {
                var spectra = health.spectra();
                tensorboard.withSpectra(new TensorBoardListener.Spectra() {
                    @Override
                    public long latestIteration() {
                        return spectra.latestIteration();
                    }

                    @Override
                    public Map<String, double[]> latest() {
                        return spectra.latest();
                    }
                });
            }
            all.add(tensorboard);
        }
        return new StandardListeners(all, sheets, health);
    }
}
