package org.biggan4j.cli;

import org.biggan4j.data.DataSources;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.eval.reference.Fingerprints;
import org.biggan4j.eval.reference.ReferenceCache;
import org.biggan4j.eval.torchscript.TorchScriptFeatures;
import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.tensor.ComputeDevice;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The feature network an evaluation runs real and generated images through (the bundled
 * Fashion-MNIST classifier, or a user's TorchScript module and how to feed it) and where the real
 * images' features are cached. A picocli mixin, so commands share the option names.
 */
public final class FeatureNetworkOptions {

    private static final TorchScriptSpec DEFAULTS = TorchScriptSpec.inceptionV3();

    @Option(names = "--features", paramLabel = "FILE.pt",
            description = "A TorchScript feature network (torch.jit.save), for example Inception v3, instead of the "
                    + "bundled Fashion-MNIST classifier. The --feature-* options say how to feed it. A TorchScript "
                    + "file is code that runs with your rights: use only files you trust (its SHA-256 is logged when "
                    + "loaded and stored with the results).")
    Path torchScript;

    @Option(names = "--feature-input-size", paramLabel = "N",
            description = "Input side the network reads; images are resized to N x N (default: 299).")
    Integer inputSize;

    @Option(names = "--feature-resize", paramLabel = "bilinear|area",
            description = "How images are resized to the input size (default: bilinear).")
    String resize;

    @Option(names = "--feature-normalise", paramLabel = "minus-one-one|zero-one|imagenet",
            description = "The input range the network was trained on (default: imagenet, torchvision's mean/std).")
    String normalise;

    @Option(names = "--feature-channels", paramLabel = "1|3",
            description = "Channels the network reads; grey images are repeated to 3 (default: 3).")
    Integer channels;

    @Option(names = "--feature-output", paramLabel = "I",
            description = "Which element of a tuple output holds the features [B, D] or [B, D, h, w] (default: 0).")
    Integer featureOutput;

    @Option(names = "--logits-output", paramLabel = "I",
            description = "Which element holds the class logits [B, K]; -1 for none (default: 1).")
    Integer logitsOutput;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where real images' features are cached (default: $XDG_CACHE_HOME/biggan4j/reference, "
                    + "else ~/.cache/biggan4j/reference).")
    Path cacheDir;

    @Option(names = "--no-cache", description = "Compute the real images' features every time; read and write no cache.")
    boolean noCache;

    /** True for the bundled Fashion-MNIST classifier. */
    boolean bundled() {
        return torchScript == null;
    }

    /** The TorchScript spec from the options, with Inception v3's values as defaults. */
    TorchScriptSpec spec() {
        TorchScriptSpec s = DEFAULTS;
        if (inputSize != null) {
            s = s.withInputSize(inputSize);
        }
        if (resize != null) {
            s = s.withResize(switch (resize.toLowerCase(Locale.ROOT)) {
                case "bilinear" -> TorchScriptSpec.Resize.BILINEAR;
                case "area" -> TorchScriptSpec.Resize.AREA;
                default -> throw new IllegalArgumentException("--feature-resize must be bilinear or area, got '"
                        + resize + "'.");
            });
        }
        if (normalise != null) {
            s = s.withNormalisation(TorchScriptSpec.Normalisation.parse(normalise));
        }
        if (channels != null) {
            s = s.withChannels(channels);
        }
        return s.withOutputs(featureOutput != null ? featureOutput : s.featureOutput(),
                logitsOutput != null ? logitsOutput : s.logitsOutput());
    }

    /** Checks option combinations; one line naming the option. */
    void validate() {
        boolean anySpec = inputSize != null || resize != null || normalise != null || channels != null
                || featureOutput != null || logitsOutput != null;
        if (bundled() && anySpec) {
            throw new IllegalArgumentException("The --feature-* and --logits-output options describe a TorchScript "
                    + "network: give it with --features FILE.pt.");
        }
        if (noCache && cacheDir != null) {
            throw new IllegalArgumentException("--cache and --no-cache contradict each other; give one.");
        }
        if (!bundled()) {
            spec();   // validates the values
        }
    }

    /**
     * Checks that images of {@code imageChannels} channels and side {@code resolution} suit the
     * network, before any work.
     */
    void checkImages(int imageChannels, int resolution) {
        if (bundled()) {
            if (imageChannels != 1 || resolution != 32) {
                throw new IllegalArgumentException("The bundled feature network reads 1-channel 32x32 images "
                        + "(Fashion-MNIST); these are " + imageChannels + "-channel " + resolution + "x" + resolution
                        + ". For other data give a TorchScript network with --features FILE.pt.");
            }
            return;
        }
        int wanted = spec().channels();
        if (imageChannels != wanted && !(imageChannels == 1 && wanted == 3)) {
            throw new IllegalArgumentException("Feature network " + torchScript + " reads " + wanted + "-channel "
                    + "images (--feature-channels); these have " + imageChannels + ".");
        }
    }

    /** Loads the network onto {@code device}; the caller closes it. */
    FeatureExtractor open(ComputeDevice device) {
        return bundled() ? new ClassifierFeatures(ClassifierFile.fashionMnist(device))
                : TorchScriptFeatures.load(torchScript, spec(), device);
    }

    /** What the network's features depend on (the cache key's network part). */
    static String identity(FeatureExtractor network) {
        if (network instanceof TorchScriptFeatures ts) {
            return ts.identity();
        }
        if (network instanceof ClassifierFeatures) {
            return "bundled classifier sha256=" + Fingerprints.sha256Resource(ClassifierFile.BUNDLED_FASHION_MNIST);
        }
        throw new IllegalStateException("No cache identity for " + network.describe() + ".");
    }

    /** The fingerprint of the real data at {@code dataPath}, or of the default dataset when null. */
    static String datasetFingerprint(Path dataPath) {
        if (dataPath != null) {
            return Fingerprints.dataset(dataPath);
        }
        String name = DataSources.defaultName();
        if (name.startsWith("classpath:")) {
            return Fingerprints.resources(DataSources.BUNDLED_FASHION_MNIST + "t10k-images-idx3-ubyte.gz",
                    DataSources.BUNDLED_FASHION_MNIST + "t10k-labels-idx1-ubyte.gz");
        }
        return Fingerprints.dataset(Path.of(name));
    }

    /** The reference cache to use, or null with --no-cache. */
    ReferenceCache cache() {
        if (noCache) {
            return null;
        }
        return cacheDir != null ? new ReferenceCache(cacheDir) : ReferenceCache.atDefaultLocation();
    }
}
