package org.biggan4j.regularize;

import org.biggan4j.model.Discriminator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * WGAN's Lipschitz constraint (Arjovsky et al. 2017; seed 001): after every critic update every
 * critic parameter is clamped to [-c, c] (c = 0.01 in the paper).
 */
public final class WeightClipping implements Regularizer {

    private final double c;

    public WeightClipping(double c) {
        if (c <= 0) {
            throw new IllegalArgumentException("The clipping bound c must be > 0, got " + c + ".");
        }
        this.c = c;
    }

    @Override
    public String name() {
        return "clip";
    }

    @Override
    public void afterDiscriminatorStep(Discriminator discriminator, long iteration) {
        TensorVector params = discriminator.parameters();
        Scalar low = new Scalar(-c);
        Scalar high = new Scalar(c);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (long i = 0; i < params.size(); i++) {
                params.get(i).clamp_(new ScalarOptional(low),
                        new ScalarOptional(high));
            }
        }
    }
}
