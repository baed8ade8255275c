package org.biggan4j.run;

import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.data.DataSources;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.eval.reference.Fingerprints;
import org.biggan4j.eval.reference.ReferenceCache;
import org.biggan4j.eval.torchscript.TorchScriptFeatures;
import org.biggan4j.tensor.ComputeDevice;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The feature network an evaluation runs real and generated images through (the bundled
 * Fashion-MNIST classifier, or a user's TorchScript module and how to feed it) and where the real
 * images' features are cached.
 *
 * @param torchScript a TorchScript file, or null for the bundled classifier
 * @param spec        how to feed the TorchScript network (unused for the bundled one)
 * @param cache       where real images' features are cached, or null to compute them every time
 */
public record FeatureNetworkChoice(Path torchScript, TorchScriptSpec spec, ReferenceCache cache) {

    public FeatureNetworkChoice {
        if (torchScript != null) {
            Objects.requireNonNull(spec, "spec");
        }
    }

    /** The bundled Fashion-MNIST classifier, with the reference cache at its default location. */
    public static FeatureNetworkChoice bundled(ReferenceCache cache) {
        return new FeatureNetworkChoice(null, null, cache);
    }

    /** True for the bundled Fashion-MNIST classifier. */
    public boolean isBundled() {
        return torchScript == null;
    }

    /**
     * Checks that images of {@code imageChannels} channels and side {@code resolution} suit the
     * network, before any work.
     */
    public void checkImages(int imageChannels, int resolution) {
        if (isBundled()) {
            if (imageChannels != 1 || resolution != 32) {
                throw new IllegalArgumentException("The bundled feature network reads 1-channel 32x32 images "
                        + "(Fashion-MNIST); these are " + imageChannels + "-channel " + resolution + "x" + resolution
                        + ". For other data give a TorchScript network with --features FILE.pt.");
            }
            return;
        }
        int wanted = spec.channels();
        if (imageChannels != wanted && !(imageChannels == 1 && wanted == 3)) {
            throw new IllegalArgumentException("Feature network " + torchScript + " reads " + wanted + "-channel "
                    + "images (--feature-channels); these have " + imageChannels + ".");
        }
    }

    /** Loads the network onto {@code device}; the caller closes it. */
    public FeatureExtractor open(ComputeDevice device) {
        return isBundled() ? new ClassifierFeatures(ClassifierFile.fashionMnist(device))
                : TorchScriptFeatures.load(torchScript, spec, device);
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
}
