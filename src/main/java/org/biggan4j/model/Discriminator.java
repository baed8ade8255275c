package org.biggan4j.model;

import org.biggan4j.tensor.SampleNoise;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A GAN discriminator (critic): images (and class ids when conditional) to one raw score per
 * image, with no sigmoid; objectives decide how scores become losses.
 *
 * <p>Contract: like {@link Generator}, parameters and buffers only. The score of one image
 * never depends on the other images of the batch (no batch statistics in D), which the
 * gradient penalties rely on; the one exception, DCGAN's critic with BatchNorm, says so through
 * {@link #scoresBatchIndependent()}.
 */
public abstract class Discriminator extends Module {

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

    /** Dropout probability before the final layer; 0 = none (see {@link #setDropout}). */
    private double dropout;

    /**
     * Dropout on the features that enter D's final linear layer and class projection (BigGAN
     * section 4.2 tries dropout in D against its memorisation of the training set), applied in
     * training mode only, so scores in eval mode are deterministic. A setting of the run, not a
     * weight: it is not saved with the network. Discriminators without such a layer (EBGAN's
     * auto-encoder) ignore it; the configuration refuses that combination.
     *
     * @param probability in [0, 1); 0 switches dropout off
     */
    public void setDropout(double probability) {
        if (!(probability >= 0 && probability < 1)) {
            throw new IllegalArgumentException("D's dropout probability must be in [0, 1), got " + probability + ".");
        }
        this.dropout = probability;
    }

    /** The dropout probability set by {@link #setDropout} (0 = off). */
    public double dropout() {
        return dropout;
    }

    /**
     * Applies D's dropout to {@code features} in training mode; identity otherwise. Masks are
     * per sample ({@link SampleNoise}): replicas of a data-parallel job draw different ones.
     */
    protected final Tensor dropoutBeforeHead(Tensor features) {
        return dropout > 0 && is_training() ? SampleNoise.dropout(features, dropout) : features;
    }

    /**
     * @param images  {@code [B, C, R, R]} in [-1, 1]
     * @param classes class ids {@code [B]}, int64, or {@code null} when unconditional
     * @return scores {@code [B]}; for an auto-encoder discriminator (EBGAN) the energy
     *         (reconstruction error), see {@link #lastEmbedding()}
     */
    public abstract Tensor forward(Tensor images, Tensor classes);

    /**
     * Whether each image's score depends on that image alone, so that real and generated images
     * may share one forward (the training step then runs D once per D step, as BigGAN-PyTorch
     * does). False for a discriminator with batch statistics.
     */
    public boolean scoresBatchIndependent() {
        return true;
    }

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
