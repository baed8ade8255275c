package org.biggan4j.train.listener;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.IdxFiles;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.FeatureStatistics;
import org.biggan4j.eval.FeatureStream;
import org.biggan4j.eval.Fid;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.inception.FidInception;
import org.biggan4j.eval.inception.InceptionWeightsCache;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.eval.torchscript.TorchScriptFeatures;
import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.model.Generator;
import org.biggan4j.sample.EvaluationBatch;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.Sampler;
import org.biggan4j.sample.StandingStatistics;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A cheap sample-quality proxy during training ({@code output.eval_every}): every N iterations
 * and at the last one, FID of the sampling generator (G_ema when the run keeps one) against a
 * fixed set of real training images, and the class accuracy of its samples when the feature
 * network classifies the data's classes. BigGAN section 4 defines collapse by a sudden drop of
 * sample quality, and picks the checkpoint to report by it ("we ... employ early stopping"), so
 * the figures go to every {@link Sink}: the metrics log (a curve on the health page), the
 * checkpoint listener ({@code output.best_metric: fid}) and the collapse monitor's quality signal.
 *
 * <p>What each evaluation does, and why it leaves training untouched:
 * <ul>
 *   <li>{@code output.eval_samples} samples with classes cycling over all classes, from latents of
 *       the training distribution drawn by a private generator seeded from the run seed (the same
 *       latents at every evaluation, so the curve moves with G, not with the noise; libtorch's
 *       global generator, which the step reseeds and draws from, is not used);</li>
 *   <li>in eval mode with standing statistics ({@code output.standing_stats} noise batches, BigGAN
 *       appendix C), as the demo's final evaluation; {@link StandingStatistics#during} puts G's
 *       BatchNorm buffers and train/eval mode back afterwards, and eval mode leaves the
 *       spectral-norm vectors alone, so a run's weights are the same with evaluation on or off;</li>
 *   <li>every batch in its own native-memory scope, under no-grad.</li>
 * </ul>
 * The real set ({@code eval_samples} images, or all when there are fewer, drawn once from the
 * training data in a seeded order) is summarised once, when the listener is opened: only its mean
 * and covariance are kept. FID from 1,000 samples is biased upward against the usual 50,000:
 * compare figures within a run, not with papers.
 *
 * <p>Put it first in the listener list: its figures then join the metrics record and the
 * checkpoint of their own iteration. It owns the feature network and closes it at the end.
 */
public final class EvaluationListener implements TrainingListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationListener.class);
    /** FID of the samples against the real set (lower is better). */
    public static final String FID = "fid";
    /** Share of samples the feature network classifies as the class they were drawn for. */
    public static final String CLASS_ACCURACY = "class_accuracy";
    /**
     * The {@code output.eval_features} value that selects pytorch-fid's FID Inception (weights from the
     * user cache, downloaded once); {@code inception:FILE} gives a local copy of the weights.
     */
    public static final String INCEPTION = "inception";
    /** Wall time of one evaluation, standing statistics included. */
    public static final String SECONDS = "eval_seconds";

    /** Where the figures of an evaluation go, one call per figure. */
    @FunctionalInterface
    public interface Sink {
        void accept(TrainingSession session, long iteration, String metric, double value);
    }

    private final FeatureExtractor features;
    private final boolean classAccuracy;
    private final FeatureStatistics real;
    private final int realImages;
    private final List<Sink> sinks = new ArrayList<>();
    private boolean closed;

    private EvaluationListener(FeatureExtractor features, boolean classAccuracy, FeatureStatistics real,
                               int realImages) {
        this.features = features;
        this.classAccuracy = classAccuracy;
        this.real = real;
        this.realImages = realImages;
    }

    /**
     * Chooses and loads the feature network for {@code session}'s data and summarises the real set.
     * Call before training starts, so that a configuration no network fits fails at once.
     *
     * @throws IllegalArgumentException (one line naming the keys and the fix) when
     *                                  {@code output.eval_features} is empty and the data are not
     *                                  Fashion-MNIST-shaped, or the given network does not fit
     */
    public static EvaluationListener open(TrainingSession session) {
        TrainConfig.OutputConfig out = session.config().output();
        if (out.evalEvery() <= 0) {
            throw new IllegalStateException("output.eval_every is 0: there is nothing to evaluate.");
        }
        Generator g = session.samplingGenerator();
        ComputeDevice device = session.device();
        long start = System.nanoTime();
        LabelledImages data = SessionFactory.openData(session.config());
        FeatureExtractor network = network(out, g, data, device);
        try {
            boolean accuracy = g.numClasses() > 0 && network.numClasses() == g.numClasses();
            int[] count = {0};
            FeatureStatistics real = realStatistics(data, network, g, out.evalSamples(),
                    EvaluationBatch.of(g.resolution(), device),
                    Seeds.derive(session.config().seed(), "evaluation-real"), device, count);
            LOG.info(String.format(Locale.ROOT, "Evaluation every %d iterations: FID%s of %d samples against %d "
                            + "training images, features of %s (real set summarised in %.1f s).", out.evalEvery(),
                    accuracy ? " and class accuracy" : "", out.evalSamples(), count[0], network.describe(),
                    (System.nanoTime() - start) / 1e9));
            return new EvaluationListener(network, accuracy, real, count[0]);
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /** The bundled classifier where it applies, else the configured TorchScript module. */
    private static FeatureExtractor network(TrainConfig.OutputConfig out, Generator g, LabelledImages data,
                                            ComputeDevice device) {
        String file = out.evalFeatures();
        if (file.isEmpty()) {
            boolean fashionMnistShaped = data.channels() == 1 && (data.resolution() == 28 || data.resolution() == 32)
                    && data.classCount() == 10 && g.imageChannels() == 1 && g.resolution() == 32;
            if (!fashionMnistShaped) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "output.eval_every=%d needs a feature "
                        + "network: the bundled Fashion-MNIST classifier reads 1-channel 28/32 px data of 10 classes "
                        + "(G at 32 px), and %s has %d-channel %d px images of %d classes (G at %d px). Give a "
                        + "TorchScript network with output.eval_features=FILE.pt, or set output.eval_every=0.",
                        out.evalEvery(), data.description(), data.channels(), data.resolution(), data.classCount(),
                        g.resolution()));
            }
            if (!data.classNames().equals(IdxFiles.FASHION_MNIST_CLASSES)) {
                // Shaped like Fashion-MNIST but perhaps not it (MNIST digits): usable, with a caveat.
                LOG.warn("The bundled classifier was trained on Fashion-MNIST, and {} has the classes {}: its FID and "
                        + "class accuracy (agreement with Fashion-MNIST's class of the same index) are rough proxies "
                        + "here. Give a network of these data with output.eval_features.", data.description(),
                        data.classNames());
            }
            return new ClassifierFeatures(ClassifierFile.fashionMnist(device));
        }
        if (file.equals(INCEPTION) || file.startsWith(INCEPTION + ":")) {
            if (!out.evalFeatureSpec().isEmpty()) {
                throw new IllegalArgumentException("output.eval_feature_spec describes a TorchScript network; the FID "
                        + "Inception (output.eval_features=" + file + ") is fed as pytorch-fid does: leave the spec empty.");
            }
            Path weights;
            if (file.equals(INCEPTION)) {
                InceptionWeightsCache cache = InceptionWeightsCache.atDefaultLocation();
                if (!Files.isRegularFile(cache.file())) {
                    LOG.info("Downloading the FID Inception weights into {} (once).", cache.file());
                }
                weights = cache.obtain(InceptionWeightsCache.Progress.NONE);
            } else {
                weights = Path.of(file.substring(INCEPTION.length() + 1));
                if (!Files.isRegularFile(weights)) {
                    throw new IllegalArgumentException("output.eval_features=" + file + ": " + weights + " is not a "
                            + "file; give the path of " + InceptionWeightsCache.FILE_NAME + ", or use "
                            + "output.eval_features=inception to download it.");
                }
            }
            return FidInception.load(weights, device);
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("output.eval_features=" + file + " is not a file: give a TorchScript "
                    + "module saved with torch.jit.save, or leave it empty for the bundled Fashion-MNIST classifier.");
        }
        TorchScriptSpec spec = TorchScriptSpec.parse(out.evalFeatureSpec());
        if (g.imageChannels() != spec.channels() && !(g.imageChannels() == 1 && spec.channels() == 3)) {
            throw new IllegalArgumentException("output.eval_features=" + file + " reads " + spec.channels()
                    + "-channel images (output.eval_feature_spec channels), but G makes " + g.imageChannels()
                    + "-channel images: set channels=" + g.imageChannels() + " in output.eval_feature_spec.");
        }
        return TorchScriptFeatures.load(path, spec, device);
    }

    /**
     * Batches of at most {@code max} that split {@code n} into nearly equal parts (the loader drops
     * a last partial batch); {@code max} is {@link EvaluationBatch#of}.
     */
    private static int batchFor(int n, int max) {
        return n / ((n + max - 1) / max);
    }

    private static FeatureStatistics realStatistics(LabelledImages data, FeatureExtractor network, Generator g,
                                                    int wanted, int maxBatch, long seed, ComputeDevice device,
                                                    int[] count) {
        int n = Math.min(wanted, data.count());
        int batch = batchFor(n, maxBatch);
        int batches = n / batch;
        // A seeded shuffle of the training data (the first epoch of a loader of its own): a fixed
        // sample of every class, the same in every process of the run, resumes included.
        LoaderOptions options = LoaderOptions.of(batch, seed).withShuffle(true)
                .withModelResolution(g.resolution(), LoaderOptions.Fit.of(data.resolution(), g.resolution()));
        try (DataLoader loader = new DataLoader(data, options, device);
             FeatureStream stream = new FeatureStream(network, device, FeatureStream.Options.STATISTICS_ONLY)) {
            for (int i = 0; i < batches; i++) {
                NativeMemory.scoped(() -> {
                    Batch b = loader.next();
                    stream.accept(b.images());
                });
            }
            count[0] = batches * batch;
            return stream.statistics();
        }
    }

    /** Adds a destination for the figures (called in the order added). */
    public EvaluationListener to(Sink sink) {
        sinks.add(sink);
        return this;
    }

    /** The figures' names, for {@link MetricsLogger#declareColumns}. */
    public List<String> metricNames() {
        return classAccuracy ? List.of(FID, CLASS_ACCURACY, SECONDS) : List.of(FID, SECONDS);
    }

    /** Real images the FID compares with. */
    public int realImages() {
        return realImages;
    }

    /** A sink that adds the figures to the metrics record of their iteration. */
    public static Sink toMetrics(MetricsLogger metrics) {
        return (session, iteration, metric, value) -> metrics.publish(iteration, metric, value);
    }

    /**
     * A sink that stores FID and class accuracy with the checkpoint of their iteration (where
     * {@code output.best_metric} finds them); checkpoints of other iterations do not carry them.
     */
    public static Sink toCheckpoints(CheckpointListener checkpoints) {
        return (session, iteration, metric, value) -> {
            if (!SECONDS.equals(metric)) {
                checkpoints.publish(iteration, metric, value);
            }
        };
    }

    /** A sink that passes only the quality figures (FID, class accuracy) on, for the collapse detector. */
    public static Sink qualityOnly(Sink sink) {
        return (session, iteration, metric, value) -> {
            if (FID.equals(metric) || CLASS_ACCURACY.equals(metric)) {
                sink.accept(session, iteration, metric, value);
            }
        };
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        long it = metrics.iteration();
        if (it % session.config().output().evalEvery() == 0 || it == session.config().training().iterations()) {
            evaluate(session, it);
        }
    }

    /** Evaluates now and hands the figures to the sinks; returns FID and class accuracy (NaN when not measured). */
    public double[] evaluate(TrainingSession session, long iteration) {
        if (closed) {
            throw new IllegalStateException("This evaluation listener is closed.");
        }
        long start = System.nanoTime();
        TrainConfig config = session.config();
        Generator g = session.samplingGenerator();
        ComputeDevice device = session.device();
        LatentDistribution noise = switch (config.training().latent()) {
            case NORMAL -> LatentDistribution.NORMAL;
            case UNIFORM -> LatentDistribution.UNIFORM;
            case BERNOULLI -> LatentDistribution.BERNOULLI;
            case CENSORED_NORMAL -> LatentDistribution.CENSORED_NORMAL;
        };
        int samples = config.output().evalSamples();
        double[] figures = {Double.NaN, Double.NaN};
        boolean wasTraining = g.is_training();
        try {
            // One scope around everything (during() opens one only when it computes statistics).
            NativeMemory.scoped(() -> StandingStatistics.during(g, noise, config.output().standingStats(),
                    SampleSheetListener.standingBatchSize(config),
                    Seeds.derive(config.seed(), "evaluation-standing-statistics"), device, () -> {
                        g.eval(); // also with standing_stats=0, where during() runs the work as it is
                        try (FeatureStream fake = new FeatureStream(features, device,
                                FeatureStream.Options.STATISTICS_ONLY);
                             LatentSampler latents = new LatentSampler(noise, g.latentDim(),
                                     Seeds.derive(config.seed(), "evaluation-latents"), device)) {
                            int batch = EvaluationBatch.of(g.resolution(), device);
                            int classes = g.numClasses();
                            // Drawn before batching, so the images do not depend on the batch.
                            Sampler.Latents all = Sampler.Latents.drawn(latents, samples, device);
                            for (int drawn = 0; drawn < samples; drawn += batch) {
                                int n = Math.min(batch, samples - drawn);
                                int first = drawn;
                                NativeMemory.scoped(() -> {
                                    try (NoGradGuard noGrad = new NoGradGuard()) {
                                        Tensor y = null;
                                        if (classes > 0) {
                                            long[] ids = new long[n];
                                            for (int k = 0; k < n; k++) {
                                                ids[k] = (first + k) % classes;
                                            }
                                            y = Tensors.fromLongs(ids, device, n);
                                        }
                                        fake.accept(g.forward(all.get(first, n), y), y);  // [n, C, H, W]
                                    }
                                });
                            }
                            figures[0] = Fid.distance(real, fake.statistics(), device);
                            if (classAccuracy) {
                                figures[1] = fake.accuracy().accuracy();
                            }
                        }
                    }));
        } finally {
            g.train(wasTraining);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info(String.format(Locale.ROOT, "Iteration %d: FID %.2f%s (%d samples, %d training images, %.1f s)",
                iteration, figures[0], classAccuracy ? String.format(Locale.ROOT, ", class accuracy %.1f%%",
                        100 * figures[1]) : "", samples, realImages, seconds));
        for (Sink sink : sinks) {
            sink.accept(session, iteration, FID, figures[0]);
            if (classAccuracy) {
                sink.accept(session, iteration, CLASS_ACCURACY, figures[1]);
            }
            sink.accept(session, iteration, SECONDS, seconds);
        }
        return figures;
    }

    @Override
    public void onEnd(TrainingSession session, long lastIteration, boolean interrupted) {
        close();
    }

    /** Frees the feature network. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            features.close();
        }
    }
}
