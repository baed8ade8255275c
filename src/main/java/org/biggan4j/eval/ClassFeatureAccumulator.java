package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Streaming feature statistics per class, for intra-class FID. One {@link FeatureAccumulator}
 * per class seen, created on first use: memory is (classes seen) x D^2 x 8 bytes, which suits a
 * 10-class dataset with a small feature network but not 1,000 ImageNet classes with 2048-wide
 * Inception features (32 GB).
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class ClassFeatureAccumulator implements AutoCloseable {

    private final int dims;
    private final ComputeDevice device;
    private final Map<Long, FeatureAccumulator> perClass = new TreeMap<>();

    public ClassFeatureAccumulator(int dims, ComputeDevice device) {
        this.dims = dims;
        this.device = device;
    }

    /** Adds features [B, D] whose classes are {@code labels} [B]. */
    public void add(Tensor features, Tensor labels) {
        if (labels.dim() != 1 || features.dim() != 2 || labels.size(0) != features.size(0)) {
            throw new IllegalArgumentException("Expected features [B, D] and labels [B], got "
                    + Arrays.toString(Tensors.shape(features)) + " and " + Arrays.toString(Tensors.shape(labels)) + ".");
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor l = labels.to(device.torchDevice(), ScalarType.Long);
            long[] classes = Arrays.stream(Tensors.toLongs(l)).distinct().sorted().toArray();
            Tensor f = features.to(device.torchDevice(), features.scalar_type());
            for (long c : classes) {
                Tensor rows = l.eq(new Scalar(c)).nonzero().reshape(-1);                  // [B_c]
                accumulator(c).add(f.index_select(0, rows));
            }
        }
    }

    private FeatureAccumulator accumulator(long c) {
        return perClass.computeIfAbsent(c, k -> new FeatureAccumulator(dims, device));
    }

    /** Statistics per class, by class id (ascending). */
    public Map<Long, FeatureStatistics> statistics() {
        Map<Long, FeatureStatistics> out = new TreeMap<>();
        perClass.forEach((c, acc) -> out.put(c, acc.statistics()));
        return out;
    }

    @Override
    public void close() {
        perClass.values().forEach(FeatureAccumulator::close);
        perClass.clear();
    }
}
