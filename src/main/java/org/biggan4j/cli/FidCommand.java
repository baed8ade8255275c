package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.eval.FeatureStatistics;
import org.biggan4j.eval.Fid;
import org.biggan4j.eval.Kid;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyHeader;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j fid}: the Fréchet distance between two feature sets, each given as a feature
 * matrix ({@code .npy}, [N, D]) or as saved statistics ({@code .npz} with mu and sigma, from
 * biggan4j, pytorch-fid or TTUR).
 */
@Command(name = "fid", mixinStandardHelpOptions = true,
        description = {
                "Frechet distance between two feature sets: FID = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).",
                "Give each side as a feature matrix (.npy, [N, D], float) or as statistics (.npz with mu and sigma).",
        })
final class FidCommand implements Callable<Integer> {

    /** One side of the comparison: a feature matrix or saved statistics. */
    static final class SideA {
        @Option(names = "--features-a", paramLabel = "FILE.npy", required = true,
                description = "Features of the first set, a float .npy matrix [N, D].")
        Path features;
        @Option(names = "--stats-a", paramLabel = "FILE.npz", required = true,
                description = "Statistics of the first set (.npz with mu [D] and sigma [D, D]).")
        Path stats;
    }

    /** The other side. */
    static final class SideB {
        @Option(names = "--features-b", paramLabel = "FILE.npy", required = true,
                description = "Features of the second set, a float .npy matrix [M, D].")
        Path features;
        @Option(names = "--stats-b", paramLabel = "FILE.npz", required = true,
                description = "Statistics of the second set (.npz with mu [D] and sigma [D, D]).")
        Path stats;
    }

    @Mixin
    RuntimeOptions runtime;

    @ArgGroup(exclusive = true, multiplicity = "1")
    SideA a;

    @ArgGroup(exclusive = true, multiplicity = "1")
    SideB b;

    @Option(names = "--save-stats-a", paramLabel = "FILE.npz",
            description = "Also save the first set's statistics (for reuse with --stats-a).")
    Path saveStatsA;

    @Option(names = "--save-stats-b", paramLabel = "FILE.npz",
            description = "Also save the second set's statistics.")
    Path saveStatsB;

    @Option(names = "--json", description = "Print a JSON object {fid, n_a, n_b, dims} instead of a sentence.")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path sourceA = a.features != null ? a.features : a.stats;
        Path sourceB = b.features != null ? b.features : b.stats;
        requireFile(sourceA, a.features != null ? "--features-a" : "--stats-a");
        requireFile(sourceB, b.features != null ? "--features-b" : "--stats-b");
        // Check shapes from the headers before any heavy work, so a mismatch fails at once.
        long dimsA = a.features != null ? featureDims(a.features) : -1;
        long dimsB = b.features != null ? featureDims(b.features) : -1;
        if (dimsA > 0 && dimsB > 0) {
            requireSameDims(dimsA, sourceA, dimsB, sourceB);
        }
        ComputeDevice device = runtime.apply();

        FeatureStatistics statsA = a.features != null ? fromFeatures(a.features, device) : FeatureStatistics.load(a.stats);
        FeatureStatistics statsB = b.features != null ? fromFeatures(b.features, device) : FeatureStatistics.load(b.stats);
        requireSameDims(statsA.dims(), sourceA, statsB.dims(), sourceB);
        if (saveStatsA != null) {
            statsA.save(saveStatsA);
        }
        if (saveStatsB != null) {
            statsB.save(saveStatsB);
        }
        double fid = Fid.distance(statsA, statsB, device);
        // KID compares the feature vectors themselves, so it needs features on both sides, not statistics.
        Kid kid = a.features != null && b.features != null ? kid(a.features, b.features, device) : null;

        if (json) {
            ObjectNode node = new ObjectMapper().createObjectNode();
            node.put("fid", fid);
            if (kid != null) {
                node.put("kid", kid.mean());
                node.put("kid_std", kid.std());
                node.put("kid_subsets", kid.subsets());
                node.put("kid_subset_size", kid.subsetSize());
            }
            node.put("n_a", statsA.count());
            node.put("n_b", statsB.count());
            node.put("dims", statsA.dims());
            spec.commandLine().getOut().println(node.toString());
        } else {
            spec.commandLine().getOut().println(String.format(Locale.ROOT, "FID %.6f between %s (%s) and %s (%s), %d dimensions",
                    fid, sourceA, count(statsA), sourceB, count(statsB), statsA.dims()));
            spec.commandLine().getOut().println(kid == null ? "KID needs feature files on both sides (--features-a/-b)."
                    : String.format(Locale.ROOT, "KID %.6f +- %.6f (%d subsets of %d)", kid.mean(), kid.std(),
                    kid.subsets(), kid.subsetSize()));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static Kid kid(Path fileA, Path fileB, ComputeDevice device) {
        return NativeMemory.scoped(() -> {
            try {
                return Kid.of(Npy.read(fileA, device), Npy.read(fileB, device));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + fileA + " or " + fileB + ": " + e.getMessage(), e);
            }
        });
    }

    private static FeatureStatistics fromFeatures(Path file, ComputeDevice device) {
        return NativeMemory.scoped(() -> {
            try {
                Tensor features = Npy.read(file, device);
                if (features.size(0) < 2) {
                    throw new IllegalArgumentException(file + " holds " + features.size(0)
                            + " feature vector(s); a covariance needs at least 2 (FID is meaningful with thousands).");
                }
                return FeatureStatistics.of(features, device);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
            }
        });
    }

    private static long featureDims(Path file) throws IOException {
        NpyHeader h = Npy.readHeader(file);
        if (h.shape().length != 2) {
            throw new IllegalArgumentException(file + " has shape " + Arrays.toString(h.shape())
                    + "; features must be a matrix [N, D] (one row per sample).");
        }
        if (!h.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(file + " holds " + h.dtype().descr()
                    + " values; features must be float32 or float64.");
        }
        if (h.shape()[0] < 2) {
            throw BadInputException.of(file, h.shape()[0] + " feature vector(s)",
                    "a covariance needs at least 2 (FID is meaningful with thousands)");
        }
        // The covariance is D x D doubles whatever N is: a 1 MB file of width 200,000 asks for 320 GB.
        FeatureStatistics.checkDims(file, h.shape()[1]);
        return h.shape()[1];
    }

    private static void requireSameDims(long dimsA, Path a, long dimsB, Path b) {
        if (dimsA != dimsB) {
            throw new IllegalArgumentException("Feature dimensions differ: " + a + " has " + dimsA + ", " + b + " has "
                    + dimsB + "; compute both with the same feature extractor.");
        }
    }

    private static void requireFile(Path file, String option) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + ": " + file + " does not exist or is not a file; check the path.");
        }
    }

    private static String count(FeatureStatistics s) {
        return s.count() > 0 ? "n=" + s.count() : "n unknown";
    }
}
