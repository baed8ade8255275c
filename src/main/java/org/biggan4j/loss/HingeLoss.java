package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * The hinge loss of SA-GAN and BigGAN (eq. 1 of Brock et al. with margin 1):
 * L_D = E[relu(m - D(x))] + E[relu(m + D(G(z)))], L_G = -E[D(G(z))]. The margin is a
 * parameter because section 4.2 of the paper varies it.
 */
public final class HingeLoss implements GanObjective {

    private final double margin;

    public HingeLoss(double margin) {
        if (margin < 0) {
            throw new IllegalArgumentException("The hinge margin must be >= 0, got " + margin + ".");
        }
        this.margin = margin;
    }

    @Override
    public String name() {
        return "hinge";
    }

    @Override
    public LossTerms discriminatorLoss(CriticOutputs o) {
        Tensor real = Terms.meanRelu(o.realScores().neg(), margin);
        Tensor fake = Terms.meanRelu(o.fakeScores(), margin);
        return new LossTerms(real.add(fake), Map.of("real", real, "fake", fake));
    }

    @Override
    public LossTerms generatorLoss(CriticOutputs o) {
        return LossTerms.of(o.fakeScores().mean().neg());
    }
}
