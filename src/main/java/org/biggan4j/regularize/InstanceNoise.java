package org.biggan4j.regularize;

import org.biggan4j.tensor.SampleNoise;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Instance noise (Arjovsky &amp; Bottou 2017; Sønderby et al. 2017; seed 002): Gaussian noise on
 * every input of D, real and generated, so the two distributions overlap and D's gradients stay
 * informative early on. The standard deviation anneals linearly from its initial value to 0
 * over {@code iterations}.
 */
public final class InstanceNoise implements Regularizer {

    private final double initialStd;
    private final long iterations;

    public InstanceNoise(double initialStd, long iterations) {
        if (initialStd <= 0 || iterations <= 0) {
            throw new IllegalArgumentException("Instance noise needs std > 0 and an annealing length > 0.");
        }
        this.initialStd = initialStd;
        this.iterations = iterations;
    }

    @Override
    public String name() {
        return "instance_noise";
    }

    /** The noise standard deviation at {@code iteration}. */
    public double std(long iteration) {
        return initialStd * Math.max(0.0, 1.0 - (double) (iteration - 1) / iterations);
    }

    @Override
    public Tensor perturbDiscriminatorInput(Tensor images, long iteration) {
        double std = std(iteration);
        return std == 0 ? images : images.add(SampleNoise.randnLike(images).mul(new Scalar(std)));
    }
}
