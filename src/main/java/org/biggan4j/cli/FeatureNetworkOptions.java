package org.biggan4j.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.eval.inception.InceptionWeightsCache;
import org.biggan4j.eval.reference.ReferenceCache;
import org.biggan4j.io.BadInputException;
import org.biggan4j.run.FeatureNetworkChoice;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The feature network an evaluation runs real and generated images through (the bundled
 * Fashion-MNIST classifier, or a user's TorchScript module and how to feed it) and where the real
 * images' features are cached, as options: a picocli mixin, so commands share the option names.
 * {@link #choice()} turns them into the library's {@link FeatureNetworkChoice}.
 */
public final class FeatureNetworkOptions {

    private static final TorchScriptSpec DEFAULTS = TorchScriptSpec.inceptionV3();

    @Option(names = "--features", paramLabel = "FILE.pt",
            description = "A TorchScript feature network (torch.jit.save), for example Inception v3, instead of the "
                    + "bundled Fashion-MNIST classifier. The --feature-* options say how to feed it. A TorchScript "
                    + "file is code that runs with your rights: use only files you trust (its SHA-256 is logged when "
                    + "loaded and stored with the results).")
    Path torchScript;

    @Option(names = "--inception",
            description = "Score with pytorch-fid's FID Inception v3, the network published FID, KID and IS use. Its "
                    + "weights (pt_inception-2015-12-05-6726825d.pth, 91 MiB) are downloaded once into "
                    + "$XDG_CACHE_HOME/biggan4j/inception (else ~/.cache/...) and checked by SHA-256.")
    boolean inception;

    @Option(names = "--inception-weights", paramLabel = "FILE",
            description = "Score with the FID Inception using this local copy of its weights (machines without "
                    + "network); implies --inception.")
    Path inceptionWeights;

    @Option(names = "--inception-bf16",
            description = "Run the FID Inception in bf16: about 2.4x faster on CPUs with bf16 units, but the features "
                    + "move by percents (17% relative on the test fixture), so its figures are for watching a run, not "
                    + "for comparing with papers; the report says so.")
    boolean inceptionBf16;

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
        return torchScript == null && !usesInception();
    }

    private boolean usesInception() {
        return inception || inceptionWeights != null;
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
        if (inceptionBf16 && !usesInception()) {
            throw new IllegalArgumentException("--inception-bf16 applies to the FID Inception: add --inception or "
                    + "--inception-weights FILE.");
        }
        if (usesInception() && torchScript != null) {
            throw new IllegalArgumentException("--features and --inception choose two feature networks: give one.");
        }
        if (torchScript == null && anySpec) {
            throw new IllegalArgumentException("The --feature-* and --logits-output options describe a TorchScript "
                    + "network: give it with --features FILE.pt.");
        }
        if (noCache && cacheDir != null) {
            throw new IllegalArgumentException("--cache and --no-cache contradict each other; give one.");
        }
        if (torchScript != null) {
            spec();   // validates the values
        }
    }

    /** The network and cache the options choose, after {@link #validate()}. */
    FeatureNetworkChoice choice() {
        validate();
        ReferenceCache cache = noCache ? null
                : cacheDir != null ? new ReferenceCache(cacheDir) : ReferenceCache.atDefaultLocation();
        if (usesInception()) {
            return FeatureNetworkChoice.inception(inceptionWeightsFile(), inceptionBf16, cache);
        }
        return new FeatureNetworkChoice(torchScript, torchScript == null ? null : spec(), null, false, cache);
    }

    /**
     * The FID Inception's weights: the local copy given, or the verified download in the cache
     * (fetched now, with a progress bar, when absent). A local copy that is not the published file
     * is used, with a warning that its figures are not comparable with published ones.
     */
    private Path inceptionWeightsFile() {
        if (inceptionWeights != null) {
            if (!Files.isRegularFile(inceptionWeights)) {
                throw new BadInputException(inceptionWeights + ": no such file; give the path of "
                        + InceptionWeightsCache.FILE_NAME + " (download it from " + InceptionWeightsCache.PUBLISHED_URL
                        + ").");
            }
            String sha256 = InceptionWeightsCache.sha256Of(inceptionWeights);
            if (!sha256.equals(InceptionWeightsCache.PUBLISHED_SHA256)) {
                LoggerFactory.getLogger(FeatureNetworkOptions.class).warn("{} has SHA-256 {}, not the published {}: "
                        + "its scores are not comparable with published FID/KID/IS figures.", inceptionWeights, sha256,
                        InceptionWeightsCache.PUBLISHED_SHA256);
            }
            return inceptionWeights;
        }
        InceptionWeightsCache cache = InceptionWeightsCache.atDefaultLocation();
        ProgressBar[] bar = new ProgressBar[1];
        try {
            return cache.obtain(new InceptionWeightsCache.Progress() {
                @Override
                public void started(long totalBytes) {
                    bar[0] = new ProgressBarBuilder().setTaskName("FID Inception weights")
                            .setInitialMax(Math.max(totalBytes, 0)).setUnit(" MiB", 1 << 20)
                            .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                            .build();
                }

                @Override
                public void advanced(long bytes) {
                    bar[0].stepBy(bytes);
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
    }
}
