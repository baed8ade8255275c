package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
import org.biggan4j.sample.LatentDistribution;
import org.biggan4j.sample.LatentSampler;
import org.biggan4j.sample.Sampler;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j eval}: the paper's metrics of a trained generator at a list of truncations,
 * or of any array of images, against real images through the bundled Fashion-MNIST network or a
 * TorchScript one ({@link FeatureNetworkOptions}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Score a run's generator (G_ema) at several truncations, or an array of images "
                + "(--samples X.npy in [-1, 1], optional --labels Y.npy), against real test images: FID, Inception "
                + "Score, precision, recall, density, coverage, class accuracy and intra-class FID, with the paper's "
                + "reporting points (best FID, IS closest to the real data's, maximum IS).",
                "Writes metrics.csv, metrics.json and truncation-curve.png (IS against FID) to --out.",
                "Feature network: the bundled Fashion-MNIST classifier (1 channel, 32x32), or any TorchScript module "
                + "with --features FILE.pt (for example Inception v3). Real images' features are cached per dataset, "
                + "resolution and network."})
public final class EvalCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    FeatureNetworkOptions featureNetwork;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "A run folder or .b4j checkpoint.")
    Path checkpoint;

    @Option(names = "--samples", paramLabel = "FILE", description = "Score these images instead: .npy [N, C, H, W] in [-1, 1].")
    Path samplesFile;

    @Option(names = "--labels", paramLabel = "FILE", description = "Classes of --samples: .npy integers [N].")
    Path labelsFile;

    @Option(names = "--truncations", paramLabel = "T,...", split = ",",
            description = "Truncation thresholds (0 = none; default: 0,2.0,1.0,0.75,0.5,0.25, and for imported "
                    + "BigGAN-deep models, whose truncation lies in (0, 1], 1.0,0.8,0.6,0.4,0.2).")
    List<Double> truncations;

    @Option(names = {"-n", "--n"}, paramLabel = "N", defaultValue = "5000", description = "Samples per truncation (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--real", paramLabel = "PATH",
            description = "Real images (default: the run's data, else the embedded Fashion-MNIST; test split where it has one).")
    Path realPath;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "100", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--standing-stats", paramLabel = "K", defaultValue = "-1",
            description = "BatchNorm statistics at each truncation: -1 (default) = those stored by 'biggan4j "
                    + "standing-stats' for it, else a pass over " + TrainedGenerator.DEFAULT_STANDING_BATCHES
                    + " noise batches; K > 0 = a fresh pass over K batches; 0 = G's training statistics.")
    int standingBatches;

    @Option(names = "--splits", paramLabel = "S", defaultValue = "10", description = "Inception Score splits (default: ${DEFAULT-VALUE}).")
    int splits;

    @Option(names = "--no-ema", description = "Use G's own weights even when the checkpoint has G_ema.")
    boolean noEma;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write metrics.csv/json and the curve (default: RUN/eval, or eval/).")
    Path out;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    /** What BatchNorm statistics each truncation was sampled with, for the report. */
    private final Map<String, String> standingUsed = new LinkedHashMap<>();

    @Option(names = "--held-out", paramLabel = "PATH", description = "Real images the run did not train on: the "
            + "memorisation test compares D's accuracy on them with its accuracy on training images (BigGAN section 4.2).")
    Path heldOut;

    @Option(names = "--memorisation-images", paramLabel = "N", defaultValue = "1000",
            description = "Images from each set for the memorisation test (default: ${DEFAULT-VALUE}).")
    int memorisationImages;

    @Override
    public Integer call() throws Exception {
        if ((checkpoint == null) == (samplesFile == null)) {
            throw new IllegalArgumentException("Give either a run (biggan4j eval RUN) or --samples FILE.npy, not both.");
        }
        if (labelsFile != null && samplesFile == null) {
            throw new IllegalArgumentException("--labels goes with --samples.");
        }
        if (count < 2 || batch < 1 || splits < 1 || standingBatches < -1 || memorisationImages < 2
                || (truncations != null && (truncations.isEmpty()
                || truncations.stream().anyMatch(t -> !(t >= 0) || t.isInfinite())))) {
            throw new IllegalArgumentException("Need --n >= 2, --batch >= 1, --splits >= 1, --standing-stats >= -1, "
                    + "--memorisation-images >= 2 and "
                    + "truncations >= 0 (0 = none), got " + truncations + ".");
        }
        featureNetwork.validate();
        ComputeDevice device = runtime.apply();
        TrainedGenerator trained = checkpoint == null ? null : TrainedGenerator.load(checkpoint, !noEma, device);
        if (truncations == null) {
            truncations = trained != null && trained.generator().truncationIndexedStatistics()
                    ? List.of(1.0, 0.8, 0.6, 0.4, 0.2) : List.of(0.0, 2.0, 1.0, 0.75, 0.5, 0.25);
        }
        Tensor samples = null;
        Tensor labels = null;
        if (samplesFile != null) {
            // Shape from the header first: a file of the wrong shape is refused before its data is read.
            checkSampleShape(Npy.readHeader(samplesFile).shape());
            samples = NativeMemory.keep(Npy.read(samplesFile, ComputeDevice.CPU));
            labels = labelsFile == null ? null : NativeMemory.keep(Npy.read(labelsFile, ComputeDevice.CPU));
            checkSamples(samples, labels);
        }
        int channels = trained != null ? trained.generator().imageChannels() : (int) samples.size(1);
        int resolution = trained != null ? trained.generator().resolution() : (int) samples.size(2);
        featureNetwork.checkImages(channels, resolution);
        Path dataPath = realPath != null ? realPath : trained != null && trained.config().data().path() != null
                ? Path.of(trained.config().data().path()) : null;
        Path outDir = out != null ? out : checkpoint != null
                ? (Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent()).resolve("eval")
                : Path.of("eval");

        List<SampleEvaluator.Scores> rows = new ArrayList<>();
        double realIs;
        double realAccuracy;
        // Image folders are decoded at the samples' resolution; fixed-size formats keep theirs and are fitted as in training.
        LabelledImages real = DataSources.openForModel(dataPath, DataOptions.defaults().withChannels(channels)
                .withSplit(DataOptions.Split.TEST), resolution);
        FeatureExtractor features = featureNetwork.open(device);
        String featureDescription = features.describe();
        String featureSha256 = features instanceof TorchScriptFeatures ts ? ts.sha256() : null;
        // Class-dependent scores need the network's classes to be the samples' (as the bundled
        // classifier's are Fashion-MNIST's); an ImageNet network's 1,000 are not CIFAR-10's 10.
        int classes = trained != null ? trained.generator().numClasses() : labels == null ? 0 : real.classCount();
        boolean classAware = classes > 0 && classes == features.numClasses();
        try (features;
             SampleEvaluator evaluator = new SampleEvaluator(features, device, splits, classAware);
             ReferenceFeatures reference = referenceFeatures(features, real, dataPath, channels, resolution, device)) {
            reference.forEachSlice(Math.max(batch, 1000), evaluator::addRealFeatures);
            realIs = evaluator.realInceptionScore().mean();
            realAccuracy = evaluator.realAccuracy();
            if (trained != null) {
                for (double t : truncations) {
                    rows.add(scoreGenerator(evaluator, trained, t, device));
                }
            } else {
                Tensor s = samples;
                Tensor l = labels;
                rows.add(evaluator.score(samplesFile.getFileName().toString(), Double.NaN, fake -> {
                    for (long start = 0; start < s.size(0); start += batch) {
                        long n = Math.min(batch, s.size(0) - start);
                        long first = start;
                        NativeMemory.scoped(() -> {
                            Tensor images = s.narrow(0, first, n).to(device.torchDevice(),
                                    org.bytedeco.pytorch.global.torch.ScalarType.Float);
                            if (classAware) {
                                fake.accept(images, l.narrow(0, first, n).to(device.torchDevice(),
                                        org.bytedeco.pytorch.global.torch.ScalarType.Long));
                            } else {
                                fake.accept(images);
                            }
                        });
                    }
                }));
            }
        }
        Map<String, Object> doc = report(rows, realIs, realAccuracy, trained, featureDescription, featureSha256);
        if (trained != null) {
            doc.put("standing_statistics", standingUsed);
            doc.put("memorisation", MemorisationCheck.run(checkpoint, trained, heldOut, memorisationImages, batch,
                    runtime.seed(), device));
        } else if (heldOut != null) {
            throw new IllegalArgumentException("--held-out needs a run (its discriminator), not --samples.");
        }
        write(outDir, rows, doc, trained != null);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            w.printf("Feature network: %s%n", featureDescription);
            printTable(w, rows, realIs, realAccuracy, doc);
            if (doc.get("memorisation") instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> section = (Map<String, Object>) m;
                w.println(MemorisationCheck.describe(section));
            }
            w.printf("Wrote %s%n", outDir.toAbsolutePath());
        }
        w.flush();
        return 0;
    }

    private void checkSampleShape(long[] shape) {
        if (shape.length != 4 || shape[0] < 2 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
            throw new IllegalArgumentException(samplesFile + " holds shape " + java.util.Arrays.toString(shape)
                    + "; expected images [N >= 2, C, H, W] in [-1, 1].");
        }
    }

    private void checkSamples(Tensor samples, Tensor labels) {
        long[] shape = Tensors.shape(samples);
        checkSampleShape(shape);
        double max = samples.abs().max().item_double();
        if (!(max <= 1.0 + 1e-3)) {
            throw new IllegalArgumentException(samplesFile + " has values up to " + max + "; scale images to [-1, 1] "
                    + "(x / 127.5 - 1 for bytes).");
        }
        if (labels != null && (Tensors.shape(labels).length != 1 || labels.size(0) != shape[0])) {
            throw new IllegalArgumentException(labelsFile + " must hold " + shape[0] + " class ids, one per image; got "
                    + java.util.Arrays.toString(Tensors.shape(labels)) + ".");
        }
    }

    /**
     * The real images' features, from the reference cache when it has them (keyed by the data's
     * fingerprint, how it is read and the network), else computed and cached.
     */
    private ReferenceFeatures referenceFeatures(FeatureExtractor features, LabelledImages real, Path dataPath,
                                                int channels, int resolution, ComputeDevice device) {
        int b = Math.min(batch, real.count());
        LoaderOptions.Fit fit = real.resolution() < resolution ? LoaderOptions.Fit.PAD : LoaderOptions.Fit.RESIZE;
        LoaderOptions options = LoaderOptions.of(b, runtime.seed()).withShuffle(false).withModelResolution(resolution, fit);
        ReferenceCache cache = featureNetwork.cache();
        if (cache == null) {
            return ReferenceFeatures.compute(features, real, options, device);
        }
        ReferenceKey key = new ReferenceKey(FeatureNetworkOptions.datasetFingerprint(dataPath),
                ReferenceKey.readOptions("test", resolution, channels, fit.name().toLowerCase(Locale.ROOT),
                        real.count() / b * b),
                FeatureNetworkOptions.identity(features));
        return cache.getOrCompute(key, device, () -> ReferenceFeatures.compute(features, real, options, device));
    }

    private SampleEvaluator.Scores scoreGenerator(SampleEvaluator evaluator, TrainedGenerator trained, double truncation,
                                                  ComputeDevice device) {
        var g = trained.generator();
        LatentDistribution distribution = LatentDistribution.forTruncation(truncation, g);
        long[] classes = g.numClasses() == 0 ? null : new long[count];
        for (int i = 0; classes != null && i < count; i++) {
            classes[i] = i % g.numClasses();
        }
        String label = truncation > 0 ? "truncation " + truncation : "no truncation";
        SampleEvaluator.Scores[] scores = new SampleEvaluator.Scores[1];
        long seed = Seeds.derive(runtime.seed(), "eval:" + truncation);
        String how = trained.withStandingStatistics(truncation, standingBatches, Math.max(2, batch), seed, device, () -> {
            try (LatentSampler latents = new LatentSampler(distribution, g.latentDim(), seed, device);
                 ProgressBar bar = Progress.bar(label, count, " img")) {
                Sampler.Latents all = Sampler.Latents.drawn(latents, count, device);
                scores[0] = evaluator.score(label, truncation, fake -> Sampler.run(g, all,
                        classes, count, batch, device, (start, images) -> {
                            Tensor onDevice = images.to(device.torchDevice(),
                                    org.bytedeco.pytorch.global.torch.ScalarType.Float);
                            if (classes != null && evaluator.classAware()) {
                                long[] ids = java.util.Arrays.copyOfRange(classes, start, start + (int) images.size(0));
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

    private static Map<String, Object> report(List<SampleEvaluator.Scores> rows, double realIs, double realAccuracy,
                                              TrainedGenerator trained, String featureNetwork,
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
        if (rows.size() > 1) {
            // The paper's three reporting points (BigGAN section 4 / table 1).
            Map<String, Object> points = new LinkedHashMap<>();
            points.put("best_fid", rows.stream().min(Comparator.comparingDouble(SampleEvaluator.Scores::fid)).orElseThrow());
            points.put("is_closest_to_real", rows.stream().min(Comparator.comparingDouble(
                    r -> Math.abs(r.inceptionScore() - realIs))).orElseThrow());
            points.put("max_is", rows.stream().max(Comparator.comparingDouble(SampleEvaluator.Scores::inceptionScore))
                    .orElseThrow());
            doc.put("reporting_points", points);
        }
        return doc;
    }

    private static void write(Path dir, List<SampleEvaluator.Scores> rows, Map<String, Object> doc, boolean curve)
            throws java.io.IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("label,truncation,samples,fid,inception_score,inception_score_std,"
                + "precision,recall,density,coverage,class_accuracy,intra_class_fid\n");
        for (SampleEvaluator.Scores r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g%n", r.label(),
                    r.truncation(), r.samples(), r.fid(), r.inceptionScore(), r.inceptionScoreStd(), r.precision(),
                    r.recall(), r.density(), r.coverage(), r.classAccuracy(), r.intraClassFid()));
        }
        AtomicFiles.writeBytes(dir.resolve("metrics.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeBytes(dir.resolve("metrics.json"), JSON.writerWithDefaultPrettyPrinter()
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

    private static void printTable(PrintWriter w, List<SampleEvaluator.Scores> rows, double realIs, double realAccuracy,
                                   Map<String, Object> doc) {
        w.printf(Locale.ROOT, "Real test images: IS %.3f, class accuracy %.1f%%%n", realIs, 100 * realAccuracy);
        w.printf(Locale.ROOT, "%-18s %9s %7s %9s %7s %8s %8s %8s %9s%n", "samples", "FID", "IS", "precision", "recall",
                "density", "coverage", "accuracy", "intra-FID");
        for (SampleEvaluator.Scores r : rows) {
            w.printf(Locale.ROOT, "%-18s %9.2f %7.3f %9.3f %7.3f %8.3f %8.3f %7.1f%% %9.2f%n", r.label(), r.fid(),
                    r.inceptionScore(), r.precision(), r.recall(), r.density(), r.coverage(), 100 * r.classAccuracy(),
                    r.intraClassFid());
        }
        if (doc.get("reporting_points") instanceof Map<?, ?> points) {
            points.forEach((k, v) -> w.printf("%s: %s%n", k, ((SampleEvaluator.Scores) v).label()));
        }
    }
}
