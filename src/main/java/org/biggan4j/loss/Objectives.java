package org.biggan4j.loss;

import org.biggan4j.config.TrainConfig.ObjectiveConfig;

/** Builds the objective a configuration names. */
public final class Objectives {

    private Objectives() {
    }

    public static GanObjective create(ObjectiveConfig c) {
        return switch (c.kind()) {
            case MINIMAX -> new MinimaxLoss(false);
            case NON_SATURATING -> new MinimaxLoss(true);
            case HINGE -> new HingeLoss(c.margin());
            case LEAST_SQUARES -> new LeastSquaresLoss(0, 1, 1);
            case WASSERSTEIN -> new WassersteinLoss();
            case EBGAN -> new EnergyLoss(c.margin(), c.pullAway());
            case LOSS_SENSITIVE -> new LossSensitiveLoss(c.lsLambda());
        };
    }
}
