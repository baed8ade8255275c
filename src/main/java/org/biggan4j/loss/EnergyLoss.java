package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Energy-based GAN (Zhao et al. 2017; seed 002): D is an auto-encoder whose score is the
 * reconstruction energy. L_D = E[D(x)] + E[relu(m - D(G(z)))], L_G = E[D(G(z))] plus, optionally,
 * the pull-away term PT = 1/(N(N-1)) sum_{i != j} cos(S_i, S_j)^2 on the encoder codes S of the
 * generated batch, which pushes G away from producing near-identical samples.
 */
public final class EnergyLoss implements GanObjective {

    private final double margin;
    private final double pullAwayWeight;

    public EnergyLoss(double margin, double pullAwayWeight) {
        if (margin <= 0 || pullAwayWeight < 0) {
            throw new IllegalArgumentException("EBGAN needs margin > 0 and pull-away weight >= 0, got " + margin
                    + ", " + pullAwayWeight + ".");
        }
        this.margin = margin;
        this.pullAwayWeight = pullAwayWeight;
    }

    @Override
    public String name() {
        return "ebgan";
    }

    @Override
    public LossTerms discriminatorLoss(CriticOutputs o) {
        Tensor real = o.realScores().mean();
        Tensor fake = Terms.meanRelu(o.fakeScores().neg(), margin);
        return new LossTerms(real.add(fake), Map.of("real", real, "fake", fake));
    }

    @Override
    public LossTerms generatorLoss(CriticOutputs o) {
        Tensor energy = o.fakeScores().mean();
        if (pullAwayWeight == 0) {
            return LossTerms.of(energy);
        }
        Tensor pt = pullAway(Terms.require(o.fakeEmbedding(), "the discriminator's encoder codes", "EBGAN"));
        Map<String, Tensor> parts = new LinkedHashMap<>();
        parts.put("energy", energy);
        parts.put("pull_away", pt);
        return new LossTerms(energy.add(pt.mul(Terms.s(pullAwayWeight))), parts);
    }

    /** PT of codes {@code [N, K]}: mean squared cosine similarity over distinct pairs. */
    public static Tensor pullAway(Tensor codes) {
        long n = codes.size(0);
        if (n < 2) {
            throw new IllegalArgumentException("The pull-away term needs a batch of at least 2.");
        }
        Tensor flat = codes.reshape(n, -1);
        Tensor unit = flat.div(torch.linalg_vector_norm(flat, Terms.s(2), new long[] {1}, true, null)
                .clamp_min(Terms.s(1e-12)));
        Tensor cos = unit.mm(unit.t());                  // [N, N], ones on the diagonal
        Tensor offDiagonal = cos.mul(cos).sum().sub(Terms.s((double) n), Terms.s(1.0));
        return offDiagonal.div(Terms.s((double) n * (n - 1)));
    }
}
