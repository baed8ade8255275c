package org.biggan4j.regularize;

import org.biggan4j.config.TrainConfig.RegularizerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the regularisers a configuration switches on (strength 0 = off). D's dropout is a
 * layer of D, not a regulariser object: {@code SessionFactory} sets it on the discriminator.
 */
public final class Regularizers {

    private Regularizers() {
    }

    public static List<Regularizer> create(RegularizerConfig c) {
        List<Regularizer> out = new ArrayList<>();
        if (c.instanceNoise() > 0) {
            out.add(new InstanceNoise(c.instanceNoise(), c.instanceNoiseIterations()));
        }
        if (c.gradientPenalty() > 0) {
            out.add(new GradientPenalty(c.gradientPenalty()));
        }
        if (c.r1() > 0) {
            out.add(new R1Penalty(c.r1()));
        }
        if (c.orthogonalG() > 0 || c.orthogonalD() > 0) {
            out.add(new OrthogonalRegularization(c.orthogonalG(), c.orthogonalD(),
                    OrthogonalRegularization.DEFAULT_EXCLUSIONS));
        }
        if (c.sigmaG().active() || c.sigmaD().active()) {
            out.add(new SigmaConditioning(c.sigmaG(), c.sigmaD()));
        }
        if (c.clip() > 0) {
            out.add(new WeightClipping(c.clip()));
        }
        if (c.lecam() > 0) {
            out.add(new LeCamPenalty(c.lecam(), c.lecamDecay(), c.lecamStart()));
        }
        return out;
    }
}
