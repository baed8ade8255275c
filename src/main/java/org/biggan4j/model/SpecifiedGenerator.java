package org.biggan4j.model;

/**
 * A generator built from a {@link ModelSpec}: its latent size, class count, resolution and
 * image channels are the spec's, so the BigGAN, BigGAN-deep and DCGAN generators answer them
 * in one place instead of each repeating the same four accessors.
 */
public abstract class SpecifiedGenerator extends Generator {

    /** The numbers this generator was built from. */
    protected final ModelSpec spec;

    protected SpecifiedGenerator(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public final int latentDim() {
        return spec.latentDim();
    }

    @Override
    public final int numClasses() {
        return spec.classes();
    }

    @Override
    public final int resolution() {
        return spec.resolution();
    }

    @Override
    public final int imageChannels() {
        return spec.imageChannels();
    }
}
