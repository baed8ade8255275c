package org.biggan4j.regularize;

import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * The zero-centred R1 penalty on real data (Mescheder et al. 2018; BigGAN section 4.2 tries
 * gamma 10 and 1): gamma/2 * E[||grad_x D(x)||^2]. It stabilises D at a cost in quality.
 */
public final class R1Penalty implements Regularizer {

    private final double gamma;

    public R1Penalty(double gamma) {
        if (gamma <= 0) {
            throw new IllegalArgumentException("R1's gamma must be > 0, got " + gamma + ".");
        }
        this.gamma = gamma;
    }

    @Override
    public String name() {
        return "r1";
    }

    @Override
    public Map<String, Tensor> discriminatorPenalty(PenaltyContext c) {
        Tensor real = c.realImages().detach().requires_grad_(true);
        Tensor grad = Gradients.ofSum(c.discriminator().forward(real, c.realClasses()), real);
        return Map.of(name(), Gradients.squaredNorms(grad).mean().mul(Gradients.s(gamma / 2)));
    }
}
