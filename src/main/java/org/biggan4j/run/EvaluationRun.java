package org.biggan4j.run;

import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.SampleEvaluator;
import org.biggan4j.eval.reference.ReferenceCache;
import org.biggan4j.eval.reference.ReferenceFeatures;
import org.biggan4j.eval.reference.ReferenceKey;
import org.biggan4j.eval.torchscript.TorchScriptFeatures;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.io.Npy;
import org.biggan4j.sample.EvaluationBatch;
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.Sampler;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An evaluation: the paper's metrics (FID, Inception Score, precision, recall, density,
 * coverage, class accuracy, intra-class FID) of a trained generator at a list of truncations, or
 * of an array of images, against real images through a {@link FeatureNetworkChoice}; for a
 * generator also the memorisation test of its discriminator (BigGAN section 4.2). It writes
 * metrics.csv, metrics.json and (for a generator) truncation-curve.png, and returns the
 * {@link EvaluationReport}; it prints nothing (progress bars go to standard error).
 */
public final class EvaluationRun {

    private EvaluationRun() {
    }

    /**
     * What to evaluate: a run ({@code checkpoint}) or an array of images ({@code samples}), not both.
     *
     * @param checkpoint         a run folder or .b4j checkpoint, or null with {@code samples}
     * @param samples            a .npy [N, C, H, W] in [-1, 1], or null with {@code checkpoint}
     * @param labels             the samples' classes, a .npy of N integers, or null
     * @param truncations        thresholds to score the generator at (0 = none), or null for the defaults:
     *                           0, 2.0, 1.0, 0.75, 0.5, 0.25, and 1.0 ... 0.2 for imported BigGAN-deep models
     * @param count              samples per truncation
     * @param real               real images, or null for the run's data, else the embedded Fashion-MNIST
     *                           (test split where it has one)
     * @param batch              batch size, or 0 for {@link EvaluationBatch#of} (the resolution's and device's)
     * @param standingBatches    -1 = stored or default standing statistics, K > 0 = a fresh pass, 0 = none
     * @param splits             Inception Score splits
     * @param ema                score G_ema when the checkpoint has it, else G
     * @param out                where to write the files, or null for RUN/eval (or eval/ for samples)
     * @param heldOut            real images the run did not train on, for the memorisation test; or null
     * @param memorisationImages images from each set for the memorisation test
     * @param seed               the evaluation's seed
     */
    public record Request(Path checkpoint, Path samples, Path labels, List<Double> truncations, int count, Path real,
                          int batch, int standingBatches, int splits, boolean ema, Path out, Path heldOut,
                          int memorisationImages, long seed) {

        public Request {
            if ((checkpoint == null) == (samples == null)) {
                throw new IllegalArgumentException("Give either a run (biggan4j eval RUN) or --samples FILE.npy, not "
                        + "both.");
            }
            if (labels != null && samples == null) {
                throw new IllegalArgumentException("--labels goes with --samples.");
            }
            if (count < 2 || batch < 0 || splits < 1 || standingBatches < -1 || memorisationImages < 2
                    || (truncations != null && (truncations.isEmpty()
                    || truncations.stream().anyMatch(t -> !(t >= 0) || t.isInfinite())))) {
                throw new IllegalArgumentException("Need --n >= 2, --batch >= 0 (0 = auto), --splits >= 1, --standing-stats >= -1, "
                        + "--memorisation-images >= 2 and "
                        + "truncations >= 0 (0 = none), got " + truncations + ".");
            }
            truncations = truncations == null ? null : List.copyOf(truncations);
        }
    }

    /** Runs the evaluation on {@code device} through {@code network}, writes its files and returns the report. */
    public static EvaluationReport run(Request request, FeatureNetworkChoice network, ComputeDevice device)
            throws IOException {
        Path checkpoint = request.checkpoint();
        Path samplesFile = request.samples();
        TrainedGenerator trained = checkpoint == null ? null
                : TrainedGenerator.load(checkpoint, request.ema(), device);
        List<Double> truncations = request.truncations() != null ? request.truncations()
                : trained != null && trained.generator().truncationIndexedStatistics()
                ? List.of(1.0, 0.8, 0.6, 0.4, 0.2) : List.of(0.0, 2.0, 1.0, 0.75, 0.5, 0.25);
        Tensor samples = null;
        Tensor labels = null;
        if (samplesFile != null) {
            // Shape from the header first: a file of the wrong shape is refused before its data is read.
            checkSampleShape(samplesFile, Npy.readHeader(samplesFile).shape());
            samples = NativeMemory.keep(Npy.read(samplesFile, ComputeDevice.CPU));
            labels = request.labels() == null ? null : NativeMemory.keep(Npy.read(request.labels(), ComputeDevice.CPU));
            checkSamples(request, samples, labels);
        }
        int channels = trained != null ? trained.generator().imageChannels() : (int) samples.size(1);
        int resolution = trained != null ? trained.generator().resolution() : (int) samples.size(2);
        network.checkImages(channels, resolution);
        Path dataPath = request.real() != null ? request.real()
                : trained != null && trained.config().data().path() != null
                ? Path.of(trained.config().data().path()) : null;
        Path outDir = request.out() != null ? request.out() : checkpoint != null
                ? (Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent()).resolve("eval")
                : Path.of("eval");

        List<SampleEvaluator.Scores> rows = new ArrayList<>();
        Map<String, String> standingUsed = new LinkedHashMap<>();
        double realIs;
        double realAccuracy;
        long realImages;
        int batch = request.batch() > 0 ? request.batch() : EvaluationBatch.of(resolution, device);
        // Image folders are decoded at the samples' resolution; fixed-size formats keep theirs and are fitted as in training.
        LabelledImages real = DataSources.openForModel(dataPath, DataOptions.defaults().withChannels(channels)
                .withSplit(DataOptions.Split.TEST), resolution);
        FeatureExtractor features = network.open(device);
        String featureDescription = features.describe();
        String featureSha256 = features instanceof TorchScriptFeatures ts ? ts.sha256() : null;
        // Class-dependent scores need the network's classes to be the samples' (as the bundled
        // classifier's are Fashion-MNIST's); an ImageNet network's 1,000 are not CIFAR-10's 10.
        int classes = trained != null ? trained.generator().numClasses() : labels == null ? 0 : real.classCount();
        boolean classAware = classes > 0 && classes == features.numClasses();
        try (features;
             SampleEvaluator evaluator = new SampleEvaluator(features, device, request.splits(), classAware);
             ReferenceFeatures reference = referenceFeatures(features, network.cache(), real, dataPath, channels,
                     resolution, request.seed(), device)) {
            reference.forEachSlice(Math.max(batch, 1000), evaluator::addRealFeatures);
            realIs = evaluator.realInceptionScore().mean();
            realAccuracy = evaluator.realAccuracy();
            realImages = evaluator.realCount();
            if (trained != null) {
                for (double t : truncations) {
                    rows.add(scoreGenerator(request, evaluator, trained, t, standingUsed, device));
                }
            } else {
                Tensor s = samples;
                Tensor l = labels;
                rows.add(evaluator.score(samplesFile.getFileName().toString(), Double.NaN, fake -> {
                    for (long start = 0; start < s.size(0); start += batch) {
                        long n = Math.min(batch, s.size(0) - start);
                        long first = start;
                        NativeMemory.scoped(() -> {
                            Tensor images = s.narrow(0, first, n).to(device.torchDevice(), ScalarType.Float);
                            if (classAware) {
                                fake.accept(images, l.narrow(0, first, n).to(device.torchDevice(), ScalarType.Long));
                            } else {
                                fake.accept(images);
                            }
                        });
                    }
                }));
            }
        }
        Map<String, SampleEvaluator.Scores> points = reportingPoints(rows, realIs);
        Map<String, Object> doc = document(rows, points, realIs, realAccuracy, trained, featureDescription,
                featureSha256);
        // Which published numbers these can be compared with: the network, and how many images on each side.
        doc.put("protocol", network.protocol() + "; " + rows.get(0).samples() + " samples per row against "
                + realImages + " real images");
        doc.put("real_images", realImages);
        String memorisation = null;
        if (trained != null) {
            doc.put("standing_statistics", standingUsed);
            Map<String, Object> section = MemorisationCheck.run(checkpoint, trained, request.heldOut(),
                    request.memorisationImages(), batch, request.seed(), device);
            doc.put("memorisation", section);
            memorisation = MemorisationCheck.describe(section);
        } else if (request.heldOut() != null) {
            throw new IllegalArgumentException("--held-out needs a run (its discriminator), not --samples.");
        }
        write(outDir, rows, doc, trained != null);
        return new EvaluationReport(outDir, featureDescription, realIs, realAccuracy, rows, points, memorisation, doc);
    }

    private static void checkSampleShape(Path samplesFile, long[] shape) {
        if (shape.length != 4 || shape[0] < 2 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
            throw new IllegalArgumentException(samplesFile + " holds shape " + Arrays.toString(shape)
                    + "; expected images [N >= 2, C, H, W] in [-1, 1].");
        }
    }

    private static void checkSamples(Request request, Tensor samples, Tensor labels) {
        long[] shape = Tensors.shape(samples);
        checkSampleShape(request.samples(), shape);
        double max = samples.abs().max().item_double();
        if (!(max <= 1.0 + 1e-3)) {
            throw new IllegalArgumentException(request.samples() + " has values up to " + max + "; scale images to "
                    + "[-1, 1] (x / 127.5 - 1 for bytes).");
        }
        if (labels != null && (Tensors.shape(labels).length != 1 || labels.size(0) != shape[0])) {
            throw new IllegalArgumentException(request.labels() + " must hold " + shape[0] + " class ids, one per "
                    + "image; got " + Arrays.toString(Tensors.shape(labels)) + ".");
        }
    }

    /**
     * The real images' features, from the reference cache when it has them (keyed by the data's
     * fingerprint, how it is read and the network), else computed and cached.
     */
    private static ReferenceFeatures referenceFeatures(FeatureExtractor features, ReferenceCache cache,
                                                       LabelledImages real, Path dataPath, int channels,
                                                       int resolution, long seed, ComputeDevice device) {
        // The real set's batch follows the resolution and device, not --batch, so the images it
        // covers (a loader drops a last partial batch) and its cache entry do not change with it.
        int b = EvaluationBatch.splitting(real.count(), resolution, device);
        LoaderOptions.Fit fit = real.resolution() < resolution ? LoaderOptions.Fit.PAD : LoaderOptions.Fit.RESIZE;
        LoaderOptions options = LoaderOptions.of(b, seed).withShuffle(false).withModelResolution(resolution, fit);
        if (cache == null) {
            return ReferenceFeatures.compute(features, real, options, device);
        }
        ReferenceKey key = new ReferenceKey(FeatureNetworkChoice.datasetFingerprint(dataPath),
                ReferenceKey.readOptions("test", resolution, channels, fit.name().toLowerCase(Locale.ROOT),
                        real.count() / b * b),
                FeatureNetworkChoice.identity(features));
        return cache.getOrCompute(key, device, () -> ReferenceFeatures.compute(features, real, options, device));
    }

    private static SampleEvaluator.Scores scoreGenerator(Request request, SampleEvaluator evaluator,
                                                         TrainedGenerator trained, double truncation,
                                                         Map<String, String> standingUsed, ComputeDevice device) {
        var g = trained.generator();
        int count = request.count();
        int batch = request.batch() > 0 ? request.batch() : EvaluationBatch.of(g.resolution(), device);
        LatentDistribution distribution = LatentDistribution.forTruncation(truncation, g);
        long[] classes = g.numClasses() == 0 ? null : new long[count];
        for (int i = 0; classes != null && i < count; i++) {
            classes[i] = i % g.numClasses();
        }
        String label = truncation > 0 ? "truncation " + truncation : "no truncation";
        SampleEvaluator.Scores[] scores = new SampleEvaluator.Scores[1];
        long seed = Seeds.derive(request.seed(), "eval:" + truncation);
        String how = trained.withStandingStatistics(truncation, request.standingBatches(), Math.max(2, batch), seed,
                device, () -> {
            try (LatentSampler latents = new LatentSampler(distribution, g.latentDim(), seed, device);
                 ProgressBar bar = Progress.bar(label, count, " img")) {
                Sampler.Latents all = Sampler.Latents.drawn(latents, count, device);
                scores[0] = evaluator.score(label, truncation, fake -> Sampler.run(g, all,
                        classes, count, batch, device, (start, images) -> {
                            Tensor onDevice = images.to(device.torchDevice(), ScalarType.Float);
                            if (classes != null && evaluator.classAware()) {
                                long[] ids = Arrays.copyOfRange(classes, start, start + (int) images.size(0));
                                fake.accept(onDevice, Tensors.fromLongs(ids, device, ids.length));
                            } else {
                                fake.accept(onDevice);
                            }
                        }, bar::stepTo));
            }
        });
        standingUsed.put(label, how);
        return scores[0];
    }

    /** The paper's three reporting points (BigGAN section 4 / table 1), when there are two rows or more. */
    private static Map<String, SampleEvaluator.Scores> reportingPoints(List<SampleEvaluator.Scores> rows,
                                                                       double realIs) {
        Map<String, SampleEvaluator.Scores> points = new LinkedHashMap<>();
        if (rows.size() > 1) {
            points.put("best_fid", rows.stream().min(Comparator.comparingDouble(SampleEvaluator.Scores::fid))
                    .orElseThrow());
            points.put("is_closest_to_real", rows.stream().min(Comparator.comparingDouble(
                    r -> Math.abs(r.inceptionScore() - realIs))).orElseThrow());
            points.put("max_is", rows.stream().max(Comparator.comparingDouble(SampleEvaluator.Scores::inceptionScore))
                    .orElseThrow());
        }
        return points;
    }

    private static Map<String, Object> document(List<SampleEvaluator.Scores> rows,
                                                Map<String, SampleEvaluator.Scores> points, double realIs,
                                                double realAccuracy, TrainedGenerator trained, String featureNetwork,
                                                String featureSha256) {
        Map<String, Object> doc = new LinkedHashMap<>();
        if (trained != null) {
            doc.put("checkpoint", trained.checkpoint().toString());
            doc.put("iteration", trained.iteration());
            doc.put("weights", trained.ema() ? "G_ema" : "G");
        }
        doc.put("feature_network", featureNetwork);
        if (featureSha256 != null) {
            doc.put("feature_network_sha256", featureSha256); // the exact TorchScript code that ran
        }
        doc.put("real_inception_score", realIs);
        doc.put("real_class_accuracy", realAccuracy);
        doc.put("results", rows);
        if (!points.isEmpty()) {
            doc.put("reporting_points", points);
        }
        return doc;
    }

    private static void write(Path dir, List<SampleEvaluator.Scores> rows, Map<String, Object> doc, boolean curve)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("label,truncation,samples,fid,inception_score,inception_score_std,"
                + "kid,kid_std,precision,recall,density,coverage,class_accuracy,intra_class_fid\n");
        for (SampleEvaluator.Scores r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g%n",
                    r.label(), r.truncation(), r.samples(), r.fid(), r.inceptionScore(), r.inceptionScoreStd(), r.kid(),
                    r.kidStd(), r.precision(), r.recall(), r.density(), r.coverage(), r.classAccuracy(),
                    r.intraClassFid()));
        }
        AtomicFiles.writeBytes(dir.resolve("metrics.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeBytes(dir.resolve("metrics.json"), EvaluationReport.JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(doc));
        if (curve) {
            XYSeries series = new XYSeries("truncation sweep", false);
            rows.forEach(r -> series.add(r.fid(), r.inceptionScore()));
            JFreeChart chart = ChartFactory.createXYLineChart("Truncation curve: IS against FID", "FID (lower is better)",
                    "Inception Score (higher is better)", new XYSeriesCollection(series), PlotOrientation.VERTICAL,
                    false, false, false);
            AtomicFiles.write(dir.resolve("truncation-curve.png"), o -> ChartUtils.writeChartAsPNG(o, chart, 800, 500));
        }
    }
}
