package org.biggan4j.cli;

import org.biggan4j.eval.SampleEvaluator;
import org.biggan4j.run.EvaluationReport;
import org.biggan4j.run.EvaluationRun;
import org.biggan4j.run.FeatureNetworkChoice;
import org.biggan4j.sample.TrainedGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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

    @Option(names = "--batch", paramLabel = "B", defaultValue = "0",
            description = "Batch size; 0 (default) = by resolution and device: 256 at 32 px, 16 at 128 px on a CPU.")
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

    @Option(names = "--held-out", paramLabel = "PATH", description = "Real images the run did not train on: the "
            + "memorisation test compares D's accuracy on them with its accuracy on training images (BigGAN section 4.2).")
    Path heldOut;

    @Option(names = "--memorisation-images", paramLabel = "N", defaultValue = "1000",
            description = "Images from each set for the memorisation test (default: ${DEFAULT-VALUE}).")
    int memorisationImages;

    @Override
    public Integer call() throws Exception {
        EvaluationRun.Request request = new EvaluationRun.Request(checkpoint, samplesFile, labelsFile, truncations,
                count, realPath, batch, standingBatches, splits, !noEma, out, heldOut, memorisationImages,
                runtime.seed());
        FeatureNetworkChoice network = featureNetwork.choice();
        EvaluationReport report = EvaluationRun.run(request, network, runtime.apply());
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(report.json());
        } else {
            w.printf("Feature network: %s%n", report.featureNetwork());
            w.printf("Protocol: %s%n", report.document().get("protocol"));
            printTable(w, report);
            if (report.memorisationSummary() != null) {
                w.println(report.memorisationSummary());
            }
            w.printf("Wrote %s%n", report.outDir().toAbsolutePath());
        }
        w.flush();
        return 0;
    }

    private static void printTable(PrintWriter w, EvaluationReport report) {
        w.printf(Locale.ROOT, "Real test images: IS %.3f, class accuracy %.1f%%%n", report.realInceptionScore(),
                100 * report.realClassAccuracy());
        w.printf(Locale.ROOT, "%-18s %9s %7s %9s %9s %7s %8s %8s %8s %9s%n", "samples", "FID", "IS", "KID",
                "precision", "recall", "density", "coverage", "accuracy", "intra-FID");
        for (SampleEvaluator.Scores r : report.rows()) {
            w.printf(Locale.ROOT, "%-18s %9.2f %7.3f %9.5f %9.3f %7.3f %8.3f %8.3f %7.1f%% %9.2f%n", r.label(), r.fid(),
                    r.inceptionScore(), r.kid(), r.precision(), r.recall(), r.density(), r.coverage(),
                    100 * r.classAccuracy(), r.intraClassFid());
        }
        report.reportingPoints().forEach((k, v) -> w.printf("%s: %s%n", k, v.label()));
    }
}
