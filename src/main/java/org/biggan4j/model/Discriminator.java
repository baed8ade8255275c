package org.biggan4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A GAN discriminator (critic): images (and class ids when conditional) to one raw score per
 * image, with no sigmoid; objectives decide how scores become losses.
 *
 * <p>Contract: like {@link Generator}, parameters and buffers only. The score of one image
 * never depends on the other images of the batch (no batch statistics in D), which the
 * gradient penalties rely on.
 */
public abstract class Discriminator extends org.bytedeco.pytorch.Module {

    /**
     * Java objects of submodules the subclass does not keep in fields (grouping containers).
     * libtorch calls back into Java subclasses (train(), eval()), so their Java objects must stay
     * reachable for the module's life; a collected one makes the next call fail.
     */
    private final java.util.List<org.bytedeco.pytorch.Module> owned = new java.util.ArrayList<>();

    /** Keeps {@code module} reachable as long as this network and returns it. */
    protected final <M extends org.bytedeco.pytorch.Module> M own(M module) {
        owned.add(module);
        return module;
    }

    /**
     * @param images  {@code [B, C, R, R]} in [-1, 1]
     * @param classes class ids {@code [B]}, int64, or {@code null} when unconditional
     * @return scores {@code [B]}; for an auto-encoder discriminator (EBGAN) the energy
     *         (reconstruction error), see {@link #lastEmbedding()}
     */
    public abstract Tensor forward(Tensor images, Tensor classes);

    /** Number of classes; 0 for an unconditional discriminator. */
    public abstract int numClasses();

    /**
     * The encoder codes {@code [B, K]} of the latest forward, for discriminators that have
     * them (EBGAN's pull-away term); {@code null} otherwise.
     */
    public Tensor lastEmbedding() {
        return null;
    }
}
