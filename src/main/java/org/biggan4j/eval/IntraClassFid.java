package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Intra-class FID: FID between real and generated features of each class separately, averaged
 * over classes. Unlike FID over all samples it notices a generator that draws the wrong class
 * or collapses within a class.
 *
 * @param mean     the average of the per-class FIDs
 * @param perClass FID by class id
 */
public record IntraClassFid(double mean, Map<Long, Double> perClass) {

    public IntraClassFid {
        perClass = Collections.unmodifiableMap(new TreeMap<>(perClass));
    }

    /**
     * From per-class statistics of both sets; both must cover the same classes.
     *
     * @throws IllegalArgumentException naming classes present in one set only
     */
    public static IntraClassFid of(Map<Long, FeatureStatistics> real, Map<Long, FeatureStatistics> fake, ComputeDevice device) {
        if (!real.keySet().equals(fake.keySet())) {
            TreeMap<Long, Boolean> diff = new TreeMap<>();
            real.keySet().stream().filter(c -> !fake.containsKey(c)).forEach(c -> diff.put(c, true));
            fake.keySet().stream().filter(c -> !real.containsKey(c)).forEach(c -> diff.put(c, false));
            throw new IllegalArgumentException("Intra-class FID needs the same classes in both sets; classes "
                    + diff.keySet() + " appear in only one; generate samples for every real class.");
        }
        if (real.isEmpty()) {
            throw new IllegalArgumentException("Intra-class FID needs at least one class.");
        }
        Map<Long, Double> per = new TreeMap<>();
        double sum = 0;
        for (Map.Entry<Long, FeatureStatistics> e : real.entrySet()) {
            double fid = Fid.distance(e.getValue(), fake.get(e.getKey()), device);
            per.put(e.getKey(), fid);
            sum += fid;
        }
        return new IntraClassFid(sum / per.size(), per);
    }

    /** From feature matrices [N, D], [M, D] with their class labels [N], [M]. */
    public static IntraClassFid of(Tensor realFeatures, Tensor realLabels, Tensor fakeFeatures, Tensor fakeLabels,
                                   ComputeDevice device) {
        Fid.requireSameDims(realFeatures.size(-1), fakeFeatures.size(-1), "the real features", "the generated features");
        int dims = (int) realFeatures.size(1);
        try (ClassFeatureAccumulator real = new ClassFeatureAccumulator(dims, device);
             ClassFeatureAccumulator fake = new ClassFeatureAccumulator(dims, device)) {
            real.add(realFeatures, realLabels);
            fake.add(fakeFeatures, fakeLabels);
            return of(real.statistics(), fake.statistics(), device);
        }
    }
}
