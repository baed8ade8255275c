package org.biggan4j.nn;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Weight initialisation schemes of the architectures in this project. */
public enum Init {
    /** Orthogonal (Saxe et al. 2014), BigGAN's choice: W W^T = I for wide, W^T W = I for tall matrices. */
    ORTHOGONAL,
    /** N(0, 0.02): DCGAN and BigGAN-PyTorch's CIFAR configuration. */
    NORMAL_002,
    /** U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default for linear and conv layers. */
    DEFAULT;

    /** Initialises {@code weight} ([out, ...]) in place. */
    public void apply(Tensor weight) {
        if (weight.numel() == 0) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            switch (this) {
                case ORTHOGONAL -> torch.orthogonal_(weight);
                case NORMAL_002 -> torch.normal_(weight, 0.0, 0.02);
                case DEFAULT -> {
                    double bound = 1.0 / Math.sqrt(Math.max(1, weight.numel() / weight.size(0)));
                    weight.uniform_(-bound, bound, new GeneratorOptional());
                }
            }
        }
    }
}
