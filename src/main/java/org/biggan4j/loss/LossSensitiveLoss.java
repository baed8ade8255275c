package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;

/**
 * Loss-sensitive GAN (Qi 2017; seed 002): D is a loss function L that should be lower on real
 * data than on generated data by a margin that grows with their distance:
 * L_D = E[L(x)] + lambda E[relu(Delta(x, G(z)) + L(x) - L(G(z)))], L_G = E[L(G(z))], with
 * Delta the mean absolute pixel difference of paired samples.
 */
public final class LossSensitiveLoss implements GanObjective {

    private final double lambda;

    public LossSensitiveLoss(double lambda) {
        if (lambda < 0) {
            throw new IllegalArgumentException("Loss-sensitive GAN's lambda must be >= 0, got " + lambda + ".");
        }
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "loss_sensitive";
    }

    @Override
    public LossTerms discriminatorLoss(CriticOutputs o) {
        Tensor real = Terms.require(o.realImages(), "the real images", "loss-sensitive");
        Tensor fake = Terms.require(o.fakeImages(), "the generated images", "loss-sensitive");
        long n = real.size(0);
        Tensor delta = torch.abs(real.sub(fake, Terms.s(1.0))).reshape(n, -1).mean(new long[] {1}, false, null);
        Tensor margin = torch.relu(delta.add(o.realScores()).sub(o.fakeScores(), Terms.s(1.0))).mean();
        Tensor realLoss = o.realScores().mean();
        return new LossTerms(realLoss.add(margin.mul(Terms.s(lambda))), Map.of("real", realLoss, "margin", margin));
    }

    @Override
    public LossTerms generatorLoss(CriticOutputs o) {
        return LossTerms.of(o.fakeScores().mean());
    }
}
