package org.biggan4j.model;

import org.biggan4j.tensor.SampleNoise;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

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

    /** The modules of D's first {@link #frozenBlocks()} blocks (FreezeD); empty when none are frozen. */
    private List<Module> frozen = List.of();
    private int frozenBlocks;

    /**
     * D's blocks in the order the image passes them, each as the modules that make it up, as
     * FreezeD (Mo et al. 2020) counts "the first k blocks". Architectures without such blocks
     * return an empty list (the default), and no block can be frozen.
     */
    public List<List<Module>> blocks() {
        return List.of();
    }

    /**
     * FreezeD (Mo et al. 2020, "Freeze the Discriminator: a Simple Baseline for Fine-Tuning
     * GANs"): keeps D's first {@code k} {@link #blocks()} fixed while the rest trains. Their
     * parameters stop requiring gradients (backward computes none for them, and the training step
     * leaves them out of D's optimiser, so neither Adam's moments nor weight decay touch them), and
     * {@link #setTraining} keeps those blocks in eval mode, so their spectral-norm vectors u and v
     * stop iterating: the normalised weights W / sigma(W), the features the fine-tuned layers see,
     * stay bit-identical. (With W fixed, continued power iteration would only refine an estimate
     * the pretrained run had already converged; freezing it keeps the frozen part exactly the
     * pretrained function.) A setting of the run, like the dropout: not saved with the network.
     *
     * @throws IllegalArgumentException when {@code k} exceeds the number of blocks
     */
    public void freezeBlocks(int k) {
        List<List<Module>> all = blocks();
        if (k < 0 || k > all.size()) {
            throw new IllegalArgumentException("Cannot freeze " + k + " blocks of a discriminator with " + all.size()
                    + ".");
        }
        List<Module> modules = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            modules.addAll(all.get(i));
        }
        for (Module m : modules) {
            TensorVector params = m.parameters(true);
            for (long i = 0; i < params.size(); i++) {
                params.get(i).requires_grad_(false);
            }
        }
        this.frozen = List.copyOf(modules);
        this.frozenBlocks = k;
    }

    /** How many blocks {@link #freezeBlocks} froze (0 = none). */
    public int frozenBlocks() {
        return frozenBlocks;
    }

    /**
     * The parameters that train: all of them but the frozen blocks' ({@link #freezeBlocks}). D's
     * optimiser is built over these.
     */
    public TensorVector trainableParameters() {
        TensorVector all = parameters(true);
        List<Tensor> out = new ArrayList<>();
        for (long i = 0; i < all.size(); i++) {
            Tensor p = new Tensor(all.get(i)); // own handle: the vector's elements are freed with it
            if (p.requires_grad()) {
                out.add(p);
            }
        }
        return new TensorVector(out.toArray(new Tensor[0]));
    }

    /**
     * Training or eval mode for the whole network, except that frozen blocks stay in eval mode
     * (see {@link #freezeBlocks}). The training step switches D with this, not {@code train}.
     */
    public void setTraining(boolean on) {
        train(on);
        if (on) {
            for (Module m : frozen) {
                m.train(false);
            }
        }
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
