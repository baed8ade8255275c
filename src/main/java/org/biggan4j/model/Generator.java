package org.biggan4j.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A GAN generator: latent vectors (and class ids when conditional) to images.
 *
 * <p>Contract: a generator holds only its parameters and buffers (spectral-norm vectors,
 * BatchNorm statistics); it owns no optimiser, EMA copy or I/O. It is a libtorch
 * {@link org.bytedeco.pytorch.Module}, so {@code train()}, {@code eval()},
 * {@code parameters()}, {@code named_parameters()} and {@code named_buffers()} behave as in
 * PyTorch; state-dict names are stable and are what checkpoints store.
 */
public abstract class Generator extends Module {

    /**
     * Java objects of submodules the subclass does not keep in fields (grouping containers).
     * libtorch calls back into Java subclasses (train(), eval()), so their Java objects must stay
     * reachable for the module's life; a collected one makes the next call fail.
     */
    private final List<Module> owned = new ArrayList<>();

    /** Keeps {@code module} reachable as long as this network and returns it. */
    protected final <M extends Module> M own(M module) {
        owned.add(module);
        return module;
    }

    /**
     * @param z       latents {@code [B, latentDim()]}, float32, on the module's device
     * @param classes class ids {@code [B]}, int64, or {@code null} when {@link #numClasses()} is 0
     * @return images {@code [B, imageChannels(), resolution(), resolution()]} in (-1, 1)
     */
    public abstract Tensor forward(Tensor z, Tensor classes);

    /**
     * Forward with soft classes: {@code [B, numClasses()]} mixture weights, for which the class
     * embedding is the same mixture of class embeddings (one-hot rows reproduce {@link #forward};
     * weights {@code (1 - t, t)} interpolate between two classes, BigGAN figure 8). Only
     * generators with a shared class embedding support it: see {@link #acceptsSoftClasses()}.
     */
    public Tensor forwardSoft(Tensor z, Tensor classWeights) {
        throw new IllegalArgumentException("This generator has no shared class embedding, so classes cannot be "
                + "mixed or interpolated; use a BigGAN with model.shared_embedding_dim > 0.");
    }

    /** Whether {@link #forwardSoft} works. */
    public boolean acceptsSoftClasses() {
        return false;
    }

    /**
     * Whether this generator's BatchNorm statistics are fixed tables chosen by the sampling
     * truncation (published BigGAN-deep models, {@code model.truncation_bn_rows} &gt; 0): such a
     * generator needs {@link #selectTruncation} before sampling, and no standing statistics.
     */
    public boolean truncationIndexedStatistics() {
        return false;
    }

    /**
     * Chooses the BatchNorm statistics for {@code truncation} in (0, 1] (1 = none) for every
     * later forward; only for generators with {@link #truncationIndexedStatistics()}.
     */
    public void selectTruncation(double truncation) {
        throw new IllegalStateException("This generator's BatchNorm statistics do not depend on the truncation.");
    }

    /** Dimension of z. */
    public abstract int latentDim();

    /** Number of classes; 0 for an unconditional generator. */
    public abstract int numClasses();

    /** Output height and width in pixels. */
    public abstract int resolution();

    /** Output channels (3 for RGB, 1 for grayscale). */
    public abstract int imageChannels();
}
