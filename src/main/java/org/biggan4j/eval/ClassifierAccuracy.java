package org.biggan4j.eval;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/**
 * Classification accuracy of generated samples against the classes they were conditioned on:
 * a trained classifier should recognise class c in a sample drawn for class c. Counts accumulate
 * batch by batch (top-1, overall and per class); per-batch tensors are freed at once.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class ClassifierAccuracy {

    private final int numClasses;
    private final long[] correct;
    private final long[] total;

    /** An empty counter for labels 0 .. numClasses - 1. */
    public ClassifierAccuracy(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("The number of classes must be >= 1, got " + numClasses + ".");
        }
        this.numClasses = numClasses;
        this.correct = new long[numClasses];
        this.total = new long[numClasses];
    }

    /** Top-1 accuracy of {@code scores} (logits or probabilities [N, K]) against {@code labels} [N]. */
    public static double of(Tensor scores, Tensor labels) {
        ClassifierAccuracy a = new ClassifierAccuracy((int) scores.size(1));
        a.add(scores, labels);
        return a.accuracy();
    }

    /** Counts a batch: predictions are the argmax of {@code scores} [B, K]; {@code labels} [B] are class ids. */
    public void add(Tensor scores, Tensor labels) {
        if (scores.dim() != 2 || scores.size(1) != numClasses) {
            throw new IllegalArgumentException("Expected scores of shape [B, " + numClasses + "], got "
                    + Arrays.toString(Tensors.shape(scores)) + ".");
        }
        if (labels.dim() != 1 || labels.size(0) != scores.size(0)) {
            throw new IllegalArgumentException("Expected " + scores.size(0) + " labels in a vector, got shape "
                    + Arrays.toString(Tensors.shape(labels)) + ".");
        }
        try (PointerScope scope = new PointerScope()) {
            long[] predicted = Tensors.toLongs(scores.detach().argmax(new LongOptional(1), false));
            long[] truth = Tensors.toLongs(labels.to(ScalarType.Long));
            for (int i = 0; i < truth.length; i++) {
                long c = truth[i];
                if (c < 0 || c >= numClasses) {
                    throw new IllegalArgumentException("Label " + c + " is outside 0 .. " + (numClasses - 1) + ".");
                }
                total[(int) c]++;
                if (predicted[i] == c) {
                    correct[(int) c]++;
                }
            }
        }
    }

    /** Samples counted. */
    public long count() {
        return Arrays.stream(total).sum();
    }

    /** Overall top-1 accuracy; NaN before any sample. */
    public double accuracy() {
        long n = count();
        return n == 0 ? Double.NaN : (double) Arrays.stream(correct).sum() / n;
    }

    /** Accuracy per class (NaN for classes never seen). */
    public double[] perClass() {
        double[] out = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            out[c] = total[c] == 0 ? Double.NaN : (double) correct[c] / total[c];
        }
        return out;
    }
}
