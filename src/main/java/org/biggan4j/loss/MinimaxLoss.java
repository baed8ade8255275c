package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;

/**
 * The original GAN (Goodfellow et al. 2014) on logits: D minimises
 * -log sigma(D(x)) - log(1 - sigma(D(G(z)))) = softplus(-D(x)) + softplus(D(G(z))).
 * G either minimises log(1 - sigma(D(G(z)))) = -softplus(D(G(z))) (the minimax game, whose
 * gradient vanishes when D rejects fakes confidently; seed 002 derives why) or, in the
 * non-saturating variant, -log sigma(D(G(z))) = softplus(-D(G(z))). softplus keeps both stable
 * for large logits.
 */
public final class MinimaxLoss implements GanObjective {

    private final boolean nonSaturating;

    public MinimaxLoss(boolean nonSaturating) {
        this.nonSaturating = nonSaturating;
    }

    @Override
    public String name() {
        return nonSaturating ? "non_saturating" : "minimax";
    }

    @Override
    public LossTerms discriminatorLoss(CriticOutputs o) {
        Tensor real = torch.softplus(o.realScores().neg()).mean();
        Tensor fake = torch.softplus(o.fakeScores()).mean();
        return new LossTerms(real.add(fake), Map.of("real", real, "fake", fake));
    }

    @Override
    public LossTerms generatorLoss(CriticOutputs o) {
        Tensor fake = o.fakeScores();
        return LossTerms.of(nonSaturating ? torch.softplus(fake.neg()).mean() : torch.softplus(fake).mean().neg());
    }
}
