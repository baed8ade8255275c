package org.biggan4j.train;

import org.biggan4j.config.TrainConfig.Latent;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The generator's training inputs: latents from the configured distribution (BigGAN appendix
 * E studies N(0, I), U[-1, 1], Bernoulli {0, 1} and the censored normal max(N(0, I), 0)) and
 * classes drawn uniformly, as BigGAN-PyTorch samples them for G. Drawn from libtorch's
 * generator on the training device (reseeded every iteration by the step).
 */
public final class TrainingLatents implements LatentSource {

    private final Latent distribution;
    private final int latentDim;
    private final int classes;
    private final ComputeDevice device;

    /**
     * @param classes 0 for unconditional models ({@link #classes(int)} then returns null)
     */
    public TrainingLatents(Latent distribution, int latentDim, int classes, ComputeDevice device) {
        if (latentDim <= 0 || classes < 0) {
            throw new IllegalArgumentException("latentDim must be > 0 and classes >= 0, got " + latentDim + ", "
                    + classes + ".");
        }
        this.distribution = distribution;
        this.latentDim = latentDim;
        this.classes = classes;
        this.device = device;
    }

    @Override
    public Tensor latents(int batch) {
        long[] shape = {batch, latentDim};
        return switch (distribution) {
            case NORMAL -> torch.randn(shape, device.options(ScalarType.Float));
            case UNIFORM -> torch.rand(shape, device.options(ScalarType.Float)).mul(new Scalar(2.0))
                    .sub(new Scalar(1.0), new Scalar(1.0));
            case BERNOULLI -> torch.bernoulli(torch.full(shape, new Scalar(0.5), device.options(ScalarType.Float)));
            case CENSORED_NORMAL -> torch.relu(torch.randn(shape, device.options(ScalarType.Float)));
        };
    }

    @Override
    public Tensor classes(int batch) {
        return classes == 0 ? null : torch.randint(classes, new long[] {batch}, device.options(ScalarType.Long));
    }
}
