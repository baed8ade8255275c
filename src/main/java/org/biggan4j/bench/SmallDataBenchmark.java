package org.biggan4j.bench;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.SubsetImages;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.QuickEvaluation;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.eval.inception.FidInception;
import org.biggan4j.sample.StandingStatistics;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingLoop;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.SampleSheetListener;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * {@code biggan4j bench small-data}: does augmentation help on small data here? Trains the
 * {@code fmnist-small} preset (100 images per class of Fashion-MNIST) with each variant (no
 * augmentation, DiffAugment, ADA) for the same iterations and seeds, then scores each run's
 * G_ema (with standing statistics, BigGAN appendix C) by FID on the bundled classifier's features
 * ("FID-FMNIST", comparable only within biggan4j) against the test split, by the class accuracy
 * of its samples, and, when the FID Inception's weights are given, by the standard Inception FID.
 *
 * <p>The reference images are the test split (the embedded data are the test split alone, so
 * there they include the 1,000 training images; with the full Fashion-MNIST installed they are
 * disjoint from them). Inception features cost ~100x the classifier's on a CPU, so its real set is
 * {@code evalSamples} test images drawn evenly over the classes, not all 10,000.
 */
public final class SmallDataBenchmark {

    /** The preset every variant trains. */
    public static final String PRESET = "fmnist-small";

    /**
     * A variant: its name and the overrides that switch it on (the {@code augment:} keys).
     */
    public record Variant(String name, List<String> overrides) {
        public Variant {
            overrides = List.copyOf(overrides);
        }
    }

    /** The variants by name: none, diffaugment, ada. */
    public static final Map<String, Variant> VARIANTS = variants();

    private static Map<String, Variant> variants() {
        Map<String, Variant> out = new LinkedHashMap<>();
        out.put("none", new Variant("none", List.of()));
        // DiffAugment's full policy (Zhao et al. 2020, "Color + Translation + Cutout").
        out.put("diffaugment", new Variant("diffaugment", List.of("augment.policy=color,translation,cutout")));
        // ADA's bgc pipeline with p adapted towards r_t = 0.6 (Karras et al. 2020).
        // p moves by 1 per 50k images here, as in the fmnist-small-ada preset: at the paper's 500k
        // it could not pass 0.1 within the preset's 48,000 images.
        out.put("ada", new Variant("ada", List.of("augment.ada.enabled=true", "augment.ada.speed_images=50000")));
        return out;
    }

    /**
     * What to run.
     *
     * @param variants    variant names from {@link #VARIANTS}
     * @param seeds       the run seeds; every variant trains with each
     * @param iterations  G updates per run
     * @param evalSamples generated images per evaluation (and the Inception real set's size)
     * @param realImages  test images in the reference set, drawn evenly over the classes; 0 = the whole
     *                    test split (the Inception's set is at most {@code evalSamples} either way)
     * @param overrides   further {@code key=value} overrides for every run (device, threads...)
     * @param inception   pytorch-fid's FID Inception weights, or null to skip the Inception FID
     */
    public record Request(List<String> variants, List<Long> seeds, long iterations, int evalSamples, int realImages,
                          List<String> overrides, Path inception) {
        public Request {
            if (variants.isEmpty() || seeds.isEmpty()) {
                throw new IllegalArgumentException("--variants and --seeds need at least one value each.");
            }
            for (String v : variants) {
                if (!VARIANTS.containsKey(v)) {
                    throw new IllegalArgumentException("--variants lists '" + v + "': use " + String.join(", ",
                            VARIANTS.keySet()) + ".");
                }
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("--iterations must be >= 1, got " + iterations + ".");
            }
            if (evalSamples < 10) {
                throw new IllegalArgumentException("--eval-samples must be >= 10, got " + evalSamples + ".");
            }
            if (realImages != 0 && realImages < 10) {
                throw new IllegalArgumentException("--real-images must be 0 (all) or >= 10, got " + realImages + ".");
            }
            variants = List.copyOf(variants);
            seeds = List.copyOf(seeds);
            overrides = List.copyOf(overrides);
        }

        /** Every run's configuration, in order (all checked before the first trains). */
        public List<TrainConfig> configs() {
            List<TrainConfig> out = new ArrayList<>();
            for (String v : variants) {
                for (long seed : seeds) {
                    out.add(config(v, seed));
                }
            }
            return out;
        }

        private TrainConfig config(String variant, long seed) {
            List<String> all = new ArrayList<>(List.of("training.iterations=" + iterations, "seed=" + seed,
                    // The benchmark evaluates once at the end, against the test split, and writes nothing.
                    "output.eval_every=0"));
            all.addAll(VARIANTS.get(variant).overrides());
            all.addAll(overrides);
            return ConfigLoader.load(PRESET, all);
        }
    }

    /**
     * One run's figures.
     *
     * @param fid                 FID-FMNIST of G_ema's samples against the test split
     * @param inceptionFid        the standard Inception FID, NaN when not computed
     * @param classAccuracy       share of samples the bundled classifier puts in their class
     * @param trainingSeconds     wall time of the training
     * @param secondsPerIteration training wall time per iteration
     */
    public record Run(String variant, long seed, long iterations, double fid, double inceptionFid,
                      double classAccuracy, double trainingSeconds, double secondsPerIteration) {
    }

    /** A variant's mean and sample standard deviation over its seeds (0 for one seed). */
    public record Summary(String variant, int runs, double fidMean, double fidStd, double inceptionFidMean,
                          double inceptionFidStd, double classAccuracyMean, double classAccuracyStd,
                          double secondsPerIteration) {
    }

    private SmallDataBenchmark() {
    }

    /** The preset's own {@code training.iterations}: the default of {@code --iterations}. */
    public static long presetIterations() {
        return ConfigLoader.load(PRESET, List.of()).training().iterations();
    }

    /**
     * Trains and evaluates every run of {@code request}, in a scratch folder under {@code scratch}.
     *
     * @param progress told the iterations done over all runs so far
     * @param started  told the index of each run as it starts
     */
    public static List<Run> run(Request request, Path scratch, LongConsumer progress, IntConsumer started)
            throws Exception {
        List<TrainConfig> configs = request.configs();
        List<Run> out = new ArrayList<>();
        long done = 0;
        int index = 0;
        for (String variant : request.variants()) {
            for (long seed : request.seeds()) {
                TrainConfig config = configs.get(index);
                started.accept(index);
                long offset = done;
                Path dir = Files.createDirectories(scratch.resolve(variant + "-seed" + seed));
                out.add(trainAndEvaluate(request, variant, seed, config, dir, i -> progress.accept(offset + i)));
                done += request.iterations();
                index++;
            }
        }
        return out;
    }

    private static Run trainAndEvaluate(Request request, String variant, long seed, TrainConfig config, Path dir,
                                        LongConsumer progress) {
        try (TrainingSession session = SessionFactory.create(config, dir)) {
            TrainingListener bar = new TrainingListener() {
                @Override
                public void onIteration(TrainingSession s, StepMetrics m) {
                    progress.accept(m.iteration());
                }
            };
            long start = System.nanoTime();
            new TrainingLoop(session, List.of(bar), new StopSignal()).run();
            double seconds = (System.nanoTime() - start) / 1e9;
            LabelledImages test = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
            long evalSeed = Seeds.derive(seed, "bench-small-data");
            int classes = test.classCount();
            LabelledImages reference = request.realImages() == 0 ? test
                    : SubsetImages.perClass(test, Math.max(1, request.realImages() / classes), evalSeed);
            int inceptionReal = request.realImages() == 0 ? request.evalSamples()
                    : Math.min(request.realImages(), request.evalSamples());
            double[] figures = {Double.NaN, Double.NaN, Double.NaN};
            StandingStatistics.during(session.samplingGenerator(), config.output().standingStats(),
                    SampleSheetListener.standingBatchSize(config),
                    Seeds.derive(config.seed(), "evaluation-standing-statistics"), session.device(), () -> {
                        try (FeatureExtractor classifier = new ClassifierFeatures(
                                ClassifierFile.fashionMnist(session.device()))) {
                            QuickEvaluation.Result r = QuickEvaluation.run(session.samplingGenerator(), reference,
                                    classifier, request.evalSamples(), Math.min(250, reference.count()), evalSeed,
                                    session.device());
                            figures[0] = r.fid();
                            figures[1] = r.classAccuracy();
                        }
                        if (request.inception() != null) {
                            LabelledImages real = SubsetImages.perClass(test, Math.max(1, inceptionReal / classes),
                                    evalSeed);
                            try (FeatureExtractor inception = FidInception.load(request.inception(),
                                    session.device())) {
                                figures[2] = QuickEvaluation.run(session.samplingGenerator(), real, inception,
                                        request.evalSamples(), Math.min(50, real.count()), evalSeed, session.device()).fid();
                            }
                        }
                    });
            return new Run(variant, seed, request.iterations(), figures[0], figures[2], figures[1], seconds,
                    seconds / request.iterations());
        }
    }

    /** Mean and spread per variant, in the order the variants ran. */
    public static List<Summary> summarise(List<Run> runs) {
        Map<String, List<Run>> byVariant = new LinkedHashMap<>();
        runs.forEach(r -> byVariant.computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r));
        List<Summary> out = new ArrayList<>();
        byVariant.forEach((variant, rs) -> {
            double[] fid = rs.stream().mapToDouble(Run::fid).toArray();
            double[] inception = rs.stream().mapToDouble(Run::inceptionFid).toArray();
            double[] accuracy = rs.stream().mapToDouble(Run::classAccuracy).toArray();
            out.add(new Summary(variant, rs.size(), mean(fid), std(fid), mean(inception), std(inception),
                    mean(accuracy), std(accuracy), rs.stream().mapToDouble(Run::secondsPerIteration).average()
                    .orElse(Double.NaN)));
        });
        return out;
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** Sample standard deviation; 0 for a single value. */
    static double std(double[] x) {
        if (x.length < 2) {
            return 0;
        }
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (x.length - 1));
    }
}
