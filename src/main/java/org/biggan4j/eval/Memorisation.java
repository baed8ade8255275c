package org.biggan4j.eval;

import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.model.Discriminator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The discriminator memorisation test of BigGAN section 4.2: D's accuracy on images it was
 * trained on against real images it never saw. A D that classifies training images as real but
 * held-out images as fake has memorised the training set rather than learnt what real images
 * look like (the paper finds training accuracy near 98% with validation accuracy of 50-55%).
 *
 * <p>"Real" means: logit above 0 for the minimax, non-saturating and hinge objectives; output
 * above the midpoint of the least-squares targets (a = 0, b = 1); for objectives without an
 * absolute scale (Wasserstein critics, EBGAN and loss-sensitive energies, where low means real)
 * above (below) the median of all scores. The threshold-free AUC, the probability that a
 * training image scores as more real than a held-out one, is 0.5 for a D that generalises and
 * 1 for one that has memorised every image.
 */
public final class Memorisation {

    /**
     * @param images          images scored from each set
     * @param trainAccuracy   share of training images D calls real
     * @param heldOutAccuracy share of held-out images D calls real
     * @param trainMean       mean raw score of the training images
     * @param heldOutMean     mean raw score of the held-out images
     * @param auc             P(training image scores more real than a held-out one), ties half
     * @param rule            how "real" was decided
     */
    public record Result(int images, double trainAccuracy, double heldOutAccuracy, double trainMean,
                         double heldOutMean, double auc, String rule) {
    }

    private Memorisation() {
    }

    /**
     * Scores {@code n} images of each set (a seeded random subset at D's resolution, the training
     * fit) with D in eval mode and without autograd.
     */
    public static Result measure(Discriminator d, int resolution, ObjectiveKind objective, LabelledImages train,
                                 LabelledImages heldOut, int n, int batch, long seed, ComputeDevice device,
                                 IntConsumer done) {
        int count = Math.min(n, Math.min(train.count(), heldOut.count()));
        if (count < 2) {
            throw new IllegalArgumentException("The memorisation test needs >= 2 images in each set, got "
                    + train.count() + " and " + heldOut.count() + ".");
        }
        if (train.channels() != heldOut.channels()) {
            throw new IllegalArgumentException("The held-out images have " + heldOut.channels() + " channels, the "
                    + "training images " + train.channels() + ": give held-out data like the training data.");
        }
        if (d.numClasses() > 0 && heldOut.classCount() != d.numClasses()) {
            throw new IllegalArgumentException("D is conditioned on " + d.numClasses() + " classes but the held-out "
                    + "data have " + heldOut.classCount() + ": give held-out data with the training classes.");
        }
        boolean wasTraining = d.is_training();
        d.eval();
        try {
            double[] a = scores(d, resolution, train, count, batch, seed, device, done, 0);
            double[] b = scores(d, resolution, heldOut, count, batch, seed + 1, device, done, count);
            boolean lowIsReal = objective == ObjectiveKind.EBGAN || objective == ObjectiveKind.LOSS_SENSITIVE;
            double threshold;
            String rule;
            switch (objective) {
                case MINIMAX, NON_SATURATING, HINGE -> {
                    threshold = 0;
                    rule = "logit > 0";
                }
                case LEAST_SQUARES -> {
                    threshold = 0.5;
                    rule = "output > 0.5 (midpoint of the targets 0 and 1)";
                }
                default -> {
                    double[] all = new double[2 * count];
                    System.arraycopy(a, 0, all, 0, count);
                    System.arraycopy(b, 0, all, count, count);
                    threshold = median(all);
                    rule = (lowIsReal ? "energy below" : "score above") + " the median of all scores (no absolute scale)";
                }
            }
            double sign = lowIsReal ? -1 : 1;
            return new Result(count, accuracy(a, threshold, sign), accuracy(b, threshold, sign), mean(a), mean(b),
                    auc(negateIf(a, lowIsReal), negateIf(b, lowIsReal)), rule);
        } finally {
            d.train(wasTraining);
        }
    }

    private static double[] scores(Discriminator d, int resolution, LabelledImages data, int count, int batch,
                                   long seed, ComputeDevice device, IntConsumer done, int offset) {
        int b = Math.min(batch, count);
        LoaderOptions options = LoaderOptions.of(b, seed).withShuffle(true)
                .withModelResolution(resolution, LoaderOptions.Fit.of(data.resolution(), resolution));
        double[] out = new double[count];
        try (DataLoader loader = new DataLoader(data, options, device)) {
            for (int start = 0; start < count; start += b) {
                int first = start;
                double[] s = NativeMemory.scoped(() -> {
                    try (NoGradGuard ng = new NoGradGuard()) {
                        Batch batchOf = loader.next();
                        Tensor classes = d.numClasses() > 0 ? batchOf.labels() : null;
                        return Tensors.toDoubles(d.forward(batchOf.images(), classes).reshape(-1)
                                .to(torch.ScalarType.Double));
                    }
                });
                System.arraycopy(s, 0, out, first, Math.min(s.length, count - first));
                done.accept(offset + Math.min(first + b, count));
            }
        }
        return out;
    }

    static double accuracy(double[] scores, double threshold, double sign) {
        long real = Arrays.stream(scores).filter(s -> sign * s > sign * threshold).count();
        return (double) real / scores.length;
    }

    /** Mann-Whitney: P(a > b) + P(a = b) / 2 over all pairs, from ranks in O(n log n). */
    static double auc(double[] a, double[] b) {
        double[] all = new double[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        Integer[] order = new Integer[all.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(all[x], all[y]));
        double rankSumA = 0;
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && all[order[j + 1]] == all[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1; // tied scores share the mean of their ranks
            for (int k = i; k <= j; k++) {
                if (order[k] < a.length) {
                    rankSumA += midRank;
                }
            }
            i = j + 1;
        }
        double u = rankSumA - a.length * (a.length + 1) / 2.0;
        return u / ((double) a.length * b.length);
    }

    private static double[] negateIf(double[] x, boolean negate) {
        return negate ? Arrays.stream(x).map(v -> -v).toArray() : x;
    }

    private static double mean(double[] x) {
        return Arrays.stream(x).average().orElse(Double.NaN);
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
