package org.biggan4j.data;

import org.biggan4j.image.UnreadableImageException;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A labelled image dataset: {@link #count()} square images of {@link #resolution()} pixels with
 * {@link #channels()} channels, each with one label ({@link #label}) or several
 * ({@link #labels}, multi-label data).
 *
 * <p>Contract: {@link #read} is thread-safe (the loader decodes in parallel) and returns the same
 * bytes for the same index every time. Datasets that decode files may throw
 * {@link UnreadableImageException} from {@link #read}; callers skip and count such images.
 * A dataset owns no native memory; {@link #batch} creates tensors in the caller's scope.
 */
public interface LabelledImages {

    /** Number of images. */
    int count();

    /** 1 (grayscale) or 3 (RGB). */
    int channels();

    /** Side of the square images in pixels. */
    int resolution();

    /** Class names, indexed by label. */
    List<String> classNames();

    /** Number of classes. */
    default int classCount() {
        return classNames().size();
    }

    /** The label of image {@code index}; for multi-label data its first label. */
    int label(int index);

    /** Every label of image {@code index} (one for single-label data). */
    default int[] labels(int index) {
        return new int[] {label(index)};
    }

    /** True when images carry several labels (see {@link #drawLabel}). */
    default boolean multiLabel() {
        return false;
    }

    /**
     * The label to train with for one draw of image {@code index}: its label, or for multi-label
     * data one of its labels chosen uniformly from {@code random} each time the image is drawn
     * (the BigGAN paper's JFT-300M treatment, Brock et al. 2019, section 5.2).
     */
    default int drawLabel(int index, SplittableRandom random) {
        int[] all = labels(index);
        return all.length == 1 ? all[0] : all[random.nextInt(all.length)];
    }

    /** Bytes per image: {@code channels * resolution * resolution}. */
    default int imageBytes() {
        return channels() * resolution() * resolution();
    }

    /**
     * Copies image {@code index} as uint8 CHW ({@code [C, R, R]}) into {@code dst} at {@code offset}.
     *
     * @throws UnreadableImageException if the image's file cannot be decoded (file-backed data only)
     */
    void read(int index, byte[] dst, int offset);

    /** Image {@code index} as a new uint8 CHW array. */
    default byte[] image(int index) {
        byte[] out = new byte[imageBytes()];
        read(index, out, 0);
        return out;
    }

    /** True when {@link #read} decodes files (slow: worth parallel workers and a packed file). */
    default boolean decodesFiles() {
        return false;
    }

    /** Where the data came from and how it was preprocessed, for logs and checkpoint provenance. */
    String description();

    /**
     * Images {@code indices} as a float batch {@code [N, C, R, R]} in [-1, 1] with int64 labels
     * {@code [N]} on {@code device} (first labels for multi-label data). For ad-hoc access (sheets,
     * evaluation); training goes through {@link DataLoader}.
     */
    default Batch batch(int[] indices, ComputeDevice device) {
        int size = imageBytes();
        byte[] pixels = new byte[indices.length * size];
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            read(indices[i], pixels, i * size);
            labels[i] = label(indices[i]);
        }
        Tensor images = Batches.images(pixels, indices.length, channels(), resolution(), device);
        return new Batch(images, Batches.labels(labels, device), indices.clone(), null);
    }
}
