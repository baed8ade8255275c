package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * Wasserstein GAN (Arjovsky et al. 2017; seeds 001 and 002): the critic maximises
 * E[D(x)] - E[D(G(z))], so it minimises E[D(G(z))] - E[D(x)]; G minimises -E[D(G(z))]. No
 * sigmoid, no logarithm. The Lipschitz constraint is a separate regulariser: weight clipping
 * (WGAN) or the gradient penalty (WGAN-GP). The negated critic loss estimates the distance.
 */
public final class WassersteinLoss implements GanObjective {

    @Override
    public String name() {
        return "wasserstein";
    }

    @Override
    public LossTerms discriminatorLoss(CriticOutputs o) {
        Tensor real = o.realScores().mean().neg();
        Tensor fake = o.fakeScores().mean();
        return new LossTerms(real.add(fake), Map.of("real", real, "fake", fake));
    }

    @Override
    public LossTerms generatorLoss(CriticOutputs o) {
        return LossTerms.of(o.fakeScores().mean().neg());
    }

    @Override
    public boolean reportsWassersteinEstimate() {
        return true;
    }
}
