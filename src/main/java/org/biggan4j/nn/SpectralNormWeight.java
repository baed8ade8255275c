package org.biggan4j.nn;

import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Base of layers whose weight may be spectrally normalised (Miyato et al. 2018): the layer
 * keeps the raw weight as its parameter and, when normalised, uses W / sigma(W) with sigma
 * estimated by power iteration on persistent vectors.
 *
 * <p>In training mode each forward first runs {@code powerIterations} steps under no-grad,
 * v = normalise(W^T u), u = normalise(W v), writing u and v back; then sigma = u^T W v is computed
 * with autograd, so the gradient of W / sigma includes sigma's dependence on W (as in the
 * paper) while u and v are constants. In eval mode u and v are used as stored and nothing is
 * written. W is read as a matrix [out, everything else]; normalising divides by
 * max(||x||, eps) with the paper's eps = 1e-4 by default.
 *
 * <p>In eval mode without autograd (sampling, evaluation) W / sigma is computed once and reused
 * until W, u or v change (their version counters, which every in-place write such as a
 * checkpoint load or an EMA update bumps, and W's storage, which a move to another device
 * replaces): dividing every weight anew cost a full pass over G's parameters per batch, a fifth
 * of BigGAN-deep 128's batch-1 sampling time here. The cache holds one more copy of the weight.
 *
 * <p>State-dict names: {@code weight} (raw), {@code bias}, and with normalisation the buffers
 * {@code weight_u} [out], {@code weight_v} [in] and {@code weight_sigma} [1] (the latest estimate,
 * for logging).
 */
public abstract class SpectralNormWeight extends Module {

    /** Power-iteration steps run when a layer is built. */
    static final int INITIAL_POWER_ITERATIONS = 10;

    protected final Tensor weight;
    protected final Tensor bias;
    private final boolean normalised;
    private final double eps;
    private final int powerIterations;
    private final Tensor u;
    private final Tensor v;
    private final Tensor sigma;
    /** W / sigma as last computed in eval mode without autograd, with the versions it was made from. */
    private Tensor evalWeight;
    private final long[] evalKey = new long[4];

    /**
     * @param shape weight shape, output dimension first
     */
    protected SpectralNormWeight(long[] shape, long biasSize, LayerFactory factory) {
        Tensor w = torch.empty(shape, factory.options(), null);
        if (!factory.meta()) {
            factory.init().apply(w);
        }
        weight = Registration.parameter(this, "weight", w);
        bias = biasSize > 0 ? Registration.parameter(this, "bias", torch.zeros(new long[] {biasSize}, factory.options())) : null;
        normalised = factory.spectralNorm();
        eps = factory.snEps();
        powerIterations = factory.powerIterations();
        if (normalised) {
            long out = shape[0];
            long in = w.numel() / out;
            u = Registration.buffer(this, "weight_u", normalise(torch.randn(new long[] {out}, factory.options()), eps));
            v = Registration.buffer(this, "weight_v", normalise(torch.randn(new long[] {in}, factory.options()), eps));
            sigma = Registration.buffer(this, "weight_sigma", torch.ones(new long[] {1}, factory.options()));
            if (!factory.meta()) {
                // Start from converged vectors, so that an eval-mode forward before any training
                // (a freshly built model) already divides by a sensible sigma.
                powerIterate(INITIAL_POWER_ITERATIONS);
            }
        } else {
            u = null;
            v = null;
            sigma = null;
        }
    }

    static Tensor normalise(Tensor x, double eps) {
        return x.div(torch.linalg_vector_norm(x).clamp_min(new Scalar(eps)));
    }

    /** Whether the weight is spectrally normalised. */
    public boolean spectrallyNormalised() {
        return normalised;
    }

    /** The raw weight parameter. */
    public Tensor rawWeight() {
        return weight;
    }

    /** The bias parameter, or null. */
    public Tensor biasOrNull() {
        return bias;
    }

    /** The latest sigma estimate (1 when not normalised); reading it synchronises a GPU. */
    public double sigma() {
        return normalised ? sigma.item_double() : 1.0;
    }

    /** The weight this layer applies: W / sigma when normalised, else W. */
    public Tensor effectiveWeight() {
        if (!normalised) {
            return weight;
        }
        boolean cacheable = !is_training() && !GradMode.is_enabled();
        if (cacheable && evalWeight != null && evalKey[0] == weight._version() && evalKey[1] == u._version()
                && evalKey[2] == v._version() && evalKey[3] == weight.data_ptr().address()) {
            return evalWeight;
        }
        Tensor matrix = weight.reshape(weight.size(0), -1);
        if (is_training()) {
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor w = matrix.detach();
                for (int i = 0; i < powerIterations; i++) {
                    v.copy_(normalise(w.t().mv(u), eps));
                    u.copy_(normalise(w.mv(v), eps));
                }
            }
        }
        // u and v are buffers (no history); sigma carries W's gradient.
        // Clones: a later training forward (D sees real, then fake images) updates u and v in
        // place, which must not change what this forward's backward pass uses (as PyTorch does).
        Tensor s = u.clone().mul(matrix.mv(v.clone())).sum(); // = u . (W v); dot has no meta kernel
        if (is_training()) {
            try (NoGradGuard g = new NoGradGuard()) {
                sigma.copy_(s.detach().reshape(1));
            }
        }
        Tensor effective = weight.div(s);
        if (cacheable) {
            if (evalWeight != null) {
                evalWeight.close();
            }
            evalWeight = NativeMemory.keep(effective);
            evalKey[0] = weight._version();
            evalKey[1] = u._version();
            evalKey[2] = v._version();
            evalKey[3] = weight.data_ptr().address();
        }
        return effective;
    }

    /**
     * Runs {@code n} power-iteration steps on the stored vectors without a forward pass (to
     * converge the estimate before evaluation or in tests) and returns the resulting sigma.
     */
    public double powerIterate(int n) {
        if (!normalised) {
            return 1.0;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor w = weight.reshape(weight.size(0), -1).detach();
            for (int i = 0; i < n; i++) {
                v.copy_(normalise(w.t().mv(u), eps));
                u.copy_(normalise(w.mv(v), eps));
            }
            double s = u.mul(w.mv(v)).sum().item_double();
            sigma.fill_(new Scalar(s));
            return s;
        }
    }
}
