package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs images (or precomputed features) through the evaluation batch by batch and keeps only
 * what the requested metrics need:
 * <ul>
 *   <li>always: streaming feature statistics for FID (D + D^2 float64 values);</li>
 *   <li>{@link Options#keepFeatures}: the feature matrix [N, D] (float32, on the device), for
 *       precision/recall and density/coverage;</li>
 *   <li>{@link Options#keepProbabilities}: class probabilities [N, K] (float64), for the
 *       Inception Score;</li>
 *   <li>with labels: classifier accuracy and, if {@link Options#perClassStatistics}, per-class
 *       statistics for intra-class FID.</li>
 * </ul>
 *
 * <p>Each batch runs in its own {@code PointerScope} under a {@code NoGradGuard}; the few tensors
 * kept across batches are owned by this stream until {@link #close}. Call order: any number of
 * {@code accept} calls, then the result getters (which may be called repeatedly), then close.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class FeatureStream implements AutoCloseable {

    /**
     * What to keep besides the FID statistics.
     *
     * @param keepFeatures        keep the feature matrix [N, D]
     * @param keepProbabilities   keep softmax(logits) [N, K] (needs an extractor with logits)
     * @param perClassStatistics  keep per-class statistics (needs labels with every batch)
     */
    public record Options(boolean keepFeatures, boolean keepProbabilities, boolean perClassStatistics) {
        /** FID statistics only. */
        public static final Options STATISTICS_ONLY = new Options(false, false, false);
        /** Everything: FID, IS, precision/recall, density/coverage, accuracy, intra-class FID. */
        public static final Options ALL = new Options(true, true, true);
    }

    private final FeatureExtractor extractor;
    private final ComputeDevice device;
    private final Options options;
    private final FeatureAccumulator statistics;
    private final ClassFeatureAccumulator classStatistics;
    private final ClassifierAccuracy accuracy;
    private final List<Tensor> features = new ArrayList<>();
    private final List<Tensor> probabilities = new ArrayList<>();
    private boolean closed;

    /**
     * A stream that runs images through {@code extractor} (owned by the caller, not closed here).
     * For precomputed features use {@link #FeatureStream(int, int, ComputeDevice, Options)}.
     */
    public FeatureStream(FeatureExtractor extractor, ComputeDevice device, Options options) {
        this(extractor, extractor.featureDim(), extractor.numClasses(), device, options);
    }

    /** A stream fed with precomputed features of width {@code dims} and logits over {@code numClasses} (0: none). */
    public FeatureStream(int dims, int numClasses, ComputeDevice device, Options options) {
        this(null, dims, numClasses, device, options);
    }

    private FeatureStream(FeatureExtractor extractor, int dims, int numClasses, ComputeDevice device, Options options) {
        if (options.keepProbabilities() && numClasses < 1) {
            throw new IllegalArgumentException("Keeping class probabilities needs an extractor with logits; "
                    + (extractor == null ? "this stream has none" : extractor.describe() + " has none") + ".");
        }
        this.extractor = extractor;
        this.device = device;
        this.options = options;
        this.statistics = new FeatureAccumulator(dims, device);
        this.classStatistics = options.perClassStatistics() ? new ClassFeatureAccumulator(dims, device) : null;
        this.accuracy = numClasses > 0 ? new ClassifierAccuracy(numClasses) : null;
    }

    /** Evaluates a batch of images [B, C, H, W] in [-1, 1]. */
    public void accept(Tensor images) {
        accept(images, null);
    }

    /** Evaluates a batch of images [B, C, H, W] in [-1, 1] with their class labels [B] (or null). */
    public void accept(Tensor images, Tensor labels) {
        checkOpen();
        if (extractor == null) {
            throw new IllegalStateException("This FeatureStream has no feature extractor; use acceptFeatures.");
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            FeatureExtractor.Output out = extractor.extract(images);
            consume(out.features(), out.logits(), labels);
        }
    }

    /** Consumes precomputed features [B, D], logits [B, K] (or null) and labels [B] (or null). */
    public void acceptFeatures(Tensor batchFeatures, Tensor logits, Tensor labels) {
        checkOpen();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            consume(batchFeatures, logits, labels);
        }
    }

    private void consume(Tensor batchFeatures, Tensor logits, Tensor labels) {
        statistics.add(batchFeatures);
        if (options.keepFeatures()) {
            keep(features, batchFeatures.detach().to(device.torchDevice(), ScalarType.Float).contiguous());
        }
        if (options.keepProbabilities()) {
            if (logits == null) {
                throw new IllegalStateException("The extractor returned no logits but class probabilities were requested.");
            }
            keep(probabilities, logits.detach().to(device.torchDevice(), ScalarType.Double).softmax(1));
        }
        if (labels != null) {
            if (accuracy != null && logits != null) {
                accuracy.add(logits, labels);
            }
            if (classStatistics != null) {
                classStatistics.add(batchFeatures, labels);
            }
        } else if (classStatistics != null) {
            throw new IllegalArgumentException("Per-class statistics were requested, so every batch needs its labels.");
        }
    }

    private static void keep(List<Tensor> list, Tensor t) {
        t.retainReference();       // survives the batch scope; released in close()
        list.add(t);
    }

    /** Samples consumed so far. */
    public long count() {
        return statistics.count();
    }

    /** FID statistics of everything consumed. */
    public FeatureStatistics statistics() {
        checkOpen();
        return statistics.statistics();
    }

    /** The feature matrix [N, D] float32, a new tensor in the caller's scope. */
    public Tensor features() {
        checkOpen();
        return concat(features, options.keepFeatures(), "features (Options.keepFeatures)");
    }

    /** Class probabilities [N, K] float64, a new tensor in the caller's scope. */
    public Tensor probabilities() {
        checkOpen();
        return concat(probabilities, options.keepProbabilities(), "probabilities (Options.keepProbabilities)");
    }

    /** The Inception Score of the consumed samples. */
    public InceptionScore inceptionScore(int splits) {
        try (PointerScope scope = new PointerScope()) {
            return InceptionScore.fromProbabilities(probabilities(), splits);
        }
    }

    /** Classifier accuracy against the labels given, when the extractor has logits. */
    public ClassifierAccuracy accuracy() {
        if (accuracy == null) {
            throw new IllegalStateException("Accuracy needs an extractor with logits.");
        }
        return accuracy;
    }

    /** Per-class statistics (for {@link IntraClassFid}). */
    public Map<Long, FeatureStatistics> classStatistics() {
        if (classStatistics == null) {
            throw new IllegalStateException("Per-class statistics were not requested (Options.perClassStatistics).");
        }
        return classStatistics.statistics();
    }

    private static Tensor concat(List<Tensor> parts, boolean requested, String what) {
        if (!requested) {
            throw new IllegalStateException("This stream was not asked to keep " + what + ".");
        }
        if (parts.isEmpty()) {
            throw new IllegalStateException("No batches were consumed yet.");
        }
        return torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This FeatureStream is closed.");
        }
    }

    /** Frees the kept tensors and statistics (not the extractor, which the caller owns). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        statistics.close();
        if (classStatistics != null) {
            classStatistics.close();
        }
        features.forEach(Tensor::releaseReference);
        probabilities.forEach(Tensor::releaseReference);
        features.clear();
        probabilities.clear();
    }
}
