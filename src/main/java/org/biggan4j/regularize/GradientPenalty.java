package org.biggan4j.regularize;

import org.biggan4j.tensor.SampleNoise;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.Map;

/**
 * WGAN-GP's penalty (Gulrajani et al. 2017; seed 002): lambda * E[(||grad_x D(x_hat)||_2 - 1)^2]
 * on x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample. D sees the real batch's classes
 * at the interpolates (the images are mostly real content at eps near 1 and the penalty only
 * needs a valid conditioning).
 */
public final class GradientPenalty implements Regularizer {

    private final double lambda;

    public GradientPenalty(double lambda) {
        if (lambda <= 0) {
            throw new IllegalArgumentException("The gradient penalty's lambda must be > 0, got " + lambda + ".");
        }
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "gp";
    }

    @Override
    public Map<String, Tensor> discriminatorPenalty(PenaltyContext c) {
        Tensor real = c.realImages().detach();
        Tensor fake = c.fakeImages().detach();
        long[] shape = Tensors.shape(real);
        if (fake.numel() != real.numel()) {
            throw new IllegalArgumentException("The gradient penalty interpolates real and generated batches of equal "
                    + "size, got " + Arrays.toString(shape) + " and "
                    + Arrays.toString(Tensors.shape(fake)) + ".");
        }
        fake = fake.reshape(shape); // same layout (a generator may emit [B, C, 1, 1] for vector data)
        long b = real.size(0);
        // Per sample, so replicas interpolate their shares of the global batch differently.
        Tensor eps = SampleNoise.rand(withOnes(b, real.dim()), real.options()).expand_as(real); // [B, 1, 1, 1] broadcast
        Tensor interpolates = eps.mul(real).add(torch.ones_like(eps).sub(eps).mul(fake)).detach().requires_grad_(true);
        Tensor grad = Gradients.ofSum(c.discriminator().forward(interpolates, c.realClasses()), interpolates);
        Tensor norms = Gradients.squaredNorms(grad).add(Gradients.s(1e-12)).sqrt();
        Tensor dev = norms.sub(Gradients.s(1.0), Gradients.s(1.0));
        return Map.of(name(), dev.mul(dev).mean().mul(Gradients.s(lambda)));
    }

    private static long[] withOnes(long b, long dims) {
        long[] shape = new long[(int) dims];
        Arrays.fill(shape, 1);
        shape[0] = b;
        return shape;
    }
}
