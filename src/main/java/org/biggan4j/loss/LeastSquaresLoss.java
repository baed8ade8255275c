package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * Least squares GAN (Mao et al. 2017): L_D = 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2],
 * L_G = 1/2 E[(D(G(z)) - c)^2], with the 0-1 coding a = 0, b = c = 1.
 */
public final class LeastSquaresLoss implements GanObjective {

    private final double a;
    private final double b;
    private final double c;

    public LeastSquaresLoss(double a, double b, double c) {
        this.a = a;
        this.b = b;
        this.c = c;
    }

    @Override
    public String name() {
        return "least_squares";
    }

    private static Tensor halfSquare(Tensor scores, double target) {
        Tensor d = scores.sub(Terms.s(target), Terms.s(1.0));
        return d.mul(d).mean().mul(Terms.s(0.5));
    }

    @Override
    public LossTerms discriminatorLoss(CriticOutputs o) {
        Tensor real = halfSquare(o.realScores(), b);
        Tensor fake = halfSquare(o.fakeScores(), a);
        return new LossTerms(real.add(fake), Map.of("real", real, "fake", fake));
    }

    @Override
    public LossTerms generatorLoss(CriticOutputs o) {
        return LossTerms.of(halfSquare(o.fakeScores(), c));
    }
}
