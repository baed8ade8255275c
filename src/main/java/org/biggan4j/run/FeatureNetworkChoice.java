package org.biggan4j.run;

import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.data.DataSources;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.eval.inception.FidInception;
import org.biggan4j.eval.reference.Fingerprints;
import org.biggan4j.eval.reference.ReferenceCache;
import org.biggan4j.eval.torchscript.TorchScriptFeatures;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The feature network an evaluation runs real and generated images through and where the real
 * images' features are cached: the bundled Fashion-MNIST classifier (its scores are "FID-FMNIST",
 * comparable only with other biggan4j runs on Fashion-MNIST), pytorch-fid's FID Inception (the
 * network published FID, KID and IS figures use), or a user's TorchScript module and how to feed it.
 *
 * @param torchScript      a TorchScript file, or null
 * @param spec             how to feed the TorchScript network (unused otherwise)
 * @param inceptionWeights pytorch-fid's Inception weight file, or null
 * @param inceptionBf16    whether the FID Inception computes in bf16 (faster where the CPU has bf16
 *                         units; its features differ slightly, so its reference cache entries are separate)
 * @param cache            where real images' features are cached, or null to compute them every time
 */
public record FeatureNetworkChoice(Path torchScript, TorchScriptSpec spec, Path inceptionWeights,
                                   boolean inceptionBf16, ReferenceCache cache) {

    public FeatureNetworkChoice {
        if (torchScript != null) {
            Objects.requireNonNull(spec, "spec");
        }
        if (torchScript != null && inceptionWeights != null) {
            throw new IllegalArgumentException("Choose one feature network: a TorchScript file or the FID Inception.");
        }
        if (inceptionBf16 && inceptionWeights == null) {
            throw new IllegalArgumentException("bf16 applies to the FID Inception: give --inception with it.");
        }
    }

    /** The bundled Fashion-MNIST classifier. */
    public static FeatureNetworkChoice bundled(ReferenceCache cache) {
        return new FeatureNetworkChoice(null, null, null, false, cache);
    }

    /** pytorch-fid's FID Inception with the weights in {@code weights} (a verified download or a local copy). */
    public static FeatureNetworkChoice inception(Path weights, boolean bf16, ReferenceCache cache) {
        return new FeatureNetworkChoice(null, null, Objects.requireNonNull(weights, "weights"), bf16, cache);
    }

    /** True for the bundled Fashion-MNIST classifier. */
    public boolean isBundled() {
        return torchScript == null && inceptionWeights == null;
    }

    /** True for pytorch-fid's FID Inception. */
    public boolean isInception() {
        return inceptionWeights != null;
    }

    /**
     * How the figures were computed, for reports: which network, and so which published numbers
     * they can be compared with.
     */
    public String protocol() {
        if (isInception()) {
            return "FID, KID and IS on pytorch-fid's FID Inception v3 (pool3 2048-d features, images resized to 299 "
                    + "bilinearly, IS over the 1008 logits" + (inceptionBf16
                    ? ", computed in bf16): NOT comparable with published figures (bf16 moves the features by percents)"
                    : "): comparable with published FID/KID/IS at the same sample and real-image counts");
        }
        if (isBundled()) {
            return "FID-FMNIST and IS-FMNIST on the bundled Fashion-MNIST classifier's features: comparable only with "
                    + "other biggan4j Fashion-MNIST runs, never with Inception-based figures";
        }
        return "FID, KID and IS on the TorchScript network " + torchScript + " as fed by its --feature-* options";
    }

    /**
     * Checks that images of {@code imageChannels} channels and side {@code resolution} suit the
     * network, before any work.
     */
    public void checkImages(int imageChannels, int resolution) {
        if (isInception()) {
            if (imageChannels != 1 && imageChannels != 3) {
                throw new IllegalArgumentException("The FID Inception reads 1- or 3-channel images; these have "
                        + imageChannels + ".");
            }
            return;
        }
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
        if (isInception()) {
            return FidInception.load(inceptionWeights, device, inceptionBf16 ? ScalarType.BFloat16 : ScalarType.Float);
        }
        return isBundled() ? new ClassifierFeatures(ClassifierFile.fashionMnist(device))
                : TorchScriptFeatures.load(torchScript, spec, device);
    }

    /** What the network's features depend on (the cache key's network part). */
    static String identity(FeatureExtractor network) {
        if (network instanceof TorchScriptFeatures ts) {
            return ts.identity();
        }
        if (network instanceof FidInception inception) {
            return "fid inception sha256=" + inception.weightsSha256() + " " + inception.precision();
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
