package org.biggan4j.eval.reference;

import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.FeatureStatistics;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a feature network makes of the real reference images, kept whole so that it can be
 * cached and fed to the evaluation without running the network again: features [N, D] float32,
 * logits [N, K] float32 (or none) and labels [N] int64 (or none), on one device.
 *
 * <p>This object owns its tensors (they live outside any {@code PointerScope}) until
 * {@link #close}; the getters return them, not copies, so callers must not modify them.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class ReferenceFeatures implements AutoCloseable {

    private final Tensor features;
    private final Tensor logits;
    private final Tensor labels;
    private boolean closed;

    /**
     * Takes ownership of the tensors given (each created outside a scope or already retained).
     */
    private ReferenceFeatures(Tensor features, Tensor logits, Tensor labels) {
        this.features = features;
        this.logits = logits;
        this.labels = labels;
    }

    /**
     * Wraps copies of {@code features} [N, D], {@code logits} [N, K] (or null) and {@code labels}
     * [N] (or null), moved to {@code device} as float32, float32 and int64.
     *
     * @throws IllegalArgumentException when the shapes disagree
     */
    public static ReferenceFeatures of(Tensor features, Tensor logits, Tensor labels, ComputeDevice device) {
        long[] fs = Tensors.shape(features);
        if (fs.length != 2 || fs[0] < 1) {
            throw new IllegalArgumentException("Reference features must be a matrix [N >= 1, D], got "
                    + Arrays.toString(fs) + ".");
        }
        if (logits != null && (logits.dim() != 2 || logits.size(0) != fs[0])) {
            throw new IllegalArgumentException("Reference logits must be [" + fs[0] + ", K], got "
                    + Arrays.toString(Tensors.shape(logits)) + ".");
        }
        if (labels != null && (labels.dim() != 1 || labels.size(0) != fs[0])) {
            throw new IllegalArgumentException("Reference labels must be [" + fs[0] + "], got "
                    + Arrays.toString(Tensors.shape(labels)) + ".");
        }
        return new ReferenceFeatures(owned(features, ScalarType.Float, device),
                logits == null ? null : owned(logits, ScalarType.Float, device),
                labels == null ? null : owned(labels, ScalarType.Long, device));
    }

    /**
     * Runs {@code extractor} over the first {@code (count / batch) * batch} images of {@code data}
     * in loader order (the loader options should not shuffle or flip, so that the same data gives
     * the same features), one batch per native scope.
     */
    public static ReferenceFeatures compute(FeatureExtractor extractor, LabelledImages data, LoaderOptions options,
                                            ComputeDevice device) {
        if (options.shuffle() || options.flip()) {
            throw new IllegalArgumentException("Reference features are read in dataset order without flips; "
                    + "turn shuffling and flipping off.");
        }
        int batches = data.count() / options.batchSize();
        if (batches < 1) {
            throw new IllegalArgumentException("The reference data " + data.description() + " holds " + data.count()
                    + " images, fewer than one batch of " + options.batchSize() + ".");
        }
        List<Tensor> f = new ArrayList<>();
        List<Tensor> k = new ArrayList<>();
        List<Tensor> y = new ArrayList<>();
        try (DataLoader loader = new DataLoader(data, options, device)) {
            for (int i = 0; i < batches; i++) {
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    Batch batch = loader.next();
                    FeatureExtractor.Output out = extractor.extract(batch.images());
                    keep(f, out.features().detach().to(device.torchDevice(), ScalarType.Float).contiguous());
                    if (out.logits() != null) {
                        keep(k, out.logits().detach().to(device.torchDevice(), ScalarType.Float).contiguous());
                    }
                    keep(y, batch.labels().to(device.torchDevice(), ScalarType.Long).contiguous());
                }
            }
            try (PointerScope scope = new PointerScope()) {
                return of(cat(f), k.isEmpty() ? null : cat(k), cat(y), device);
            }
        } finally {
            f.forEach(Tensor::releaseReference);
            k.forEach(Tensor::releaseReference);
            y.forEach(Tensor::releaseReference);
        }
    }

    /** Features [N, D] float32. */
    public Tensor features() {
        checkOpen();
        return features;
    }

    /** Logits [N, K] float32, or null when the network has none. */
    public Tensor logits() {
        checkOpen();
        return logits;
    }

    /** Labels [N] int64, or null when the data had none. */
    public Tensor labels() {
        checkOpen();
        return labels;
    }

    /** N. */
    public long count() {
        return features.size(0);
    }

    /** D. */
    public int dims() {
        return (int) features.size(1);
    }

    /** K, or 0 without logits. */
    public int classes() {
        return logits == null ? 0 : (int) logits.size(1);
    }

    /** FID statistics of the features, computed in float64 on {@code device}. */
    public FeatureStatistics statistics(ComputeDevice device) {
        checkOpen();
        return FeatureStatistics.of(features, device);
    }

    /** Calls {@code sink} with consecutive row slices of at most {@code rows} rows, each in its own native scope. */
    public void forEachSlice(int rows, SliceConsumer sink) {
        checkOpen();
        for (long start = 0; start < count(); start += rows) {
            long n = Math.min(rows, count() - start);
            try (PointerScope scope = new PointerScope()) {
                sink.accept(features.narrow(0, start, n), logits == null ? null : logits.narrow(0, start, n),
                        labels == null ? null : labels.narrow(0, start, n));
            }
        }
    }

    /** Receives one slice of rows: features, logits (or null), labels (or null). */
    @FunctionalInterface
    public interface SliceConsumer {
        void accept(Tensor features, Tensor logits, Tensor labels);
    }

    private static Tensor owned(Tensor t, ScalarType dtype, ComputeDevice device) {
        try (PointerScope scope = new PointerScope()) {
            Tensor copy = t.detach().to(device.torchDevice(), dtype).clone().contiguous();
            copy.retainReference();   // outlives this scope; released in close()
            return copy;
        }
    }

    private static void keep(List<Tensor> list, Tensor t) {
        t.retainReference();           // survives the batch scope; released after concatenation
        list.add(t);
    }

    private static Tensor cat(List<Tensor> parts) {
        return torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("These reference features are closed.");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        features.releaseReference();
        if (logits != null) {
            logits.releaseReference();
        }
        if (labels != null) {
            labels.releaseReference();
        }
    }
}
