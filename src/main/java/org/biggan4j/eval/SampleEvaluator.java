package org.biggan4j.eval;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scores sets of generated images against one set of real images through one feature network:
 * FID, Inception Score, precision and recall (Kynkaanniemi et al. 2019), density and coverage
 * (Naeem et al. 2020), the accuracy of the network's classifier on the samples against their
 * conditioning classes, and intra-class FID. The real side is streamed once and kept (its
 * statistics and feature matrix); each sample set is streamed into its own {@link FeatureStream}
 * and released after scoring, so memory holds two feature matrices at most.
 */
public final class SampleEvaluator implements AutoCloseable {

    /** The real set's k-NN radii by k, for {@link #realRadii}. */
    private final Map<Integer, Tensor> radii = new HashMap<>();
    private long radiiCount = -1;

    /**
     * Scores of one sample set. Class-dependent figures are NaN when the samples carry no labels
     * or the network's classes are not the generator's.
     *
     * @param label          what the set is (for example {@code "truncation 0.5"})
     * @param truncation     the threshold used (0 = none; NaN for external samples)
     * @param kid            Kernel Inception Distance ({@link Kid}) on the same features as FID
     */
    public record Scores(String label, double truncation, long samples, double fid, double inceptionScore,
                         double inceptionScoreStd, double kid, double kidStd, double precision, double recall,
                         double density, double coverage, double classAccuracy, double intraClassFid) {
    }

    private final FeatureExtractor network;
    private final ComputeDevice device;
    private final FeatureStream real;
    private final int splits;
    private final boolean classAware;

    /**
     * @param classAware whether samples' labels are the network's classes (accuracy, intra-class FID);
     *                   needs a network with logits. Without logits the Inception Score is NaN
     */
    public SampleEvaluator(FeatureExtractor network, ComputeDevice device, int splits, boolean classAware) {
        if (classAware && network.numClasses() == 0) {
            throw new IllegalArgumentException("Class-aware scores (accuracy, intra-class FID) need a network with "
                    + "logits; " + network.describe() + " has none.");
        }
        this.network = network;
        this.device = device;
        this.splits = splits;
        this.classAware = classAware;
        this.real = new FeatureStream(network, device, streamOptions());
    }

    /** Features always; probabilities when the network has logits; per-class statistics when class-aware. */
    private FeatureStream.Options streamOptions() {
        return new FeatureStream.Options(true, network.numClasses() > 0, classAware);
    }

    /** Adds a batch of real images {@code [B, C, H, W]} in [-1, 1] with their labels (or null). */
    public void addReal(Tensor images, Tensor labels) {
        if (classAware) {
            real.accept(images, labels);
        } else {
            real.accept(images);
        }
    }

    /**
     * Adds precomputed real features [B, D] with their logits [B, K] (null when the network has
     * none) and labels [B] (or null), as {@link #addReal} would have computed them: for reference
     * features read from a cache.
     */
    public void addRealFeatures(Tensor features, Tensor logits, Tensor labels) {
        real.acceptFeatures(features, logits, classAware ? labels : null);
    }

    /** Whether samples' labels are the network's classes (accuracy and intra-class FID are computed). */
    public boolean classAware() {
        return classAware;
    }

    /** Real images seen so far. */
    public long realCount() {
        return real.count();
    }

    /**
     * The Inception Score of the real images (the paper's "IS of validation data" reporting point);
     * NaN when the network has no logits.
     */
    public InceptionScore realInceptionScore() {
        return network.numClasses() > 0 ? real.inceptionScore(splits) : new InceptionScore(Double.NaN, Double.NaN, splits);
    }

    /** Classifier accuracy on the real images (how far the network's labels can be trusted). */
    public double realAccuracy() {
        return classAware ? real.accuracy().accuracy() : Double.NaN;
    }

    /**
     * Scores the images that {@code fill} streams in (with labels when class-aware).
     */
    public Scores score(String label, double truncation, Consumer<FeatureStream> fill) {
        if (real.count() < 2) {
            throw new IllegalStateException("Add real images before scoring samples.");
        }
        try (FeatureStream fake = new FeatureStream(network, device, streamOptions())) {
            fill.accept(fake);
            if (fake.count() < 2) {
                throw new IllegalArgumentException("Scoring needs at least 2 samples, got " + fake.count() + ".");
            }
            double fid = Fid.distance(real.statistics(), fake.statistics(), device);
            InceptionScore is = network.numClasses() > 0 ? fake.inceptionScore(splits)
                    : new InceptionScore(Double.NaN, Double.NaN, splits);
            // Each features() call concatenates the kept batches anew: once per set for all three metrics.
            Tensor realFeatures = real.features();                                             // [N, D]
            Tensor fakeFeatures = fake.features();                                             // [M, D]
            Kid kid = Kid.of(realFeatures, fakeFeatures);
            PrecisionRecall pr = PrecisionRecall.compute(realFeatures, realRadii(PrecisionRecall.DEFAULT_K),
                    fakeFeatures, PrecisionRecall.DEFAULT_K, Neighbourhoods.CHUNK_ELEMENTS);
            DensityCoverage dc = DensityCoverage.compute(realFeatures, realRadii(DensityCoverage.DEFAULT_K),
                    fakeFeatures, DensityCoverage.DEFAULT_K, Neighbourhoods.CHUNK_ELEMENTS);
            double accuracy = classAware ? fake.accuracy().accuracy() : Double.NaN;
            double intra = classAware ? IntraClassFid.of(real.classStatistics(), fake.classStatistics(), device).mean()
                    : Double.NaN;
            return new Scores(label, truncation, fake.count(), fid, is.mean(), is.std(), kid.mean(), kid.std(),
                    pr.precision(), pr.recall(), dc.density(), dc.coverage(), accuracy, intra);
        }
    }

    /**
     * The real set's k-NN radii, computed once per k and real-set size: every sample set (every
     * truncation) is compared with the same real set, and the radii are the costly part
     * (all N^2 real distances).
     */
    private Tensor realRadii(int k) {
        if (radiiCount != real.count()) {
            radii.values().forEach(Tensor::close);
            radii.clear();
            radiiCount = real.count();
        }
        return radii.computeIfAbsent(k, key -> NativeMemory.scoped(() ->
                NativeMemory.keep(Neighbourhoods.radii(real.features(), key,
                        Neighbourhoods.CHUNK_ELEMENTS))));
    }

    @Override
    public void close() {
        radii.values().forEach(Tensor::close);
        real.close();
    }
}
