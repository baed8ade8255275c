package org.biggan4j.regularize;

import org.biggan4j.config.TrainConfig.SigmaConfig;
import org.biggan4j.nn.SubspaceSpectrum;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The conditioning of the top singular value of BigGAN section 4.1, which the paper tried
 * against the explosion of G's sigma_0 before collapse (it delays nothing by itself, but it is
 * the experiment). For every weight matrix W of a network (a parameter with at least two
 * dimensions, conv weights read as [out, in kh kw] as spectral normalisation reads them) with
 * target t = sigma_reg or t = r * sg(sigma_1):
 * <ul>
 *   <li>penalty: strength * sum_W (sigma_0(W) - t)^2 added to the network's loss. sigma_0 is
 *       u_0^T W v_0 with the singular vectors u_0, v_0 detached, so its gradient is u_0 v_0^T (the
 *       exact derivative of a simple top singular value); t carries no gradient, in particular
 *       not through sigma_1, so the penalty cannot lower sigma_0/sigma_1 by raising sigma_1.</li>
 *   <li>clamp: after every optimiser step, W &lt;- W - max(0, sigma_0 - t) u_0 v_0^T, which sets
 *       sigma_0 to t and leaves every other singular value and vector unchanged.</li>
 * </ul>
 *
 * <p>Under spectral normalisation both act on the <em>raw</em> weight, the parameter that SN
 * divides by its own sigma_0: it is the raw weights' sigma_0 that the paper watches explode
 * (and clamps in its G experiments), while the normalised weight's sigma_0 is 1 by
 * construction. Clamping the raw weight lowers sigma_0 relative to the rest of the spectrum,
 * i.e. it bounds sigma_0 / sigma_1 of the weight the layer applies. SN's stored u/v vectors
 * are not touched; its next power-iteration step follows the clamped weight.
 *
 * <p>sigma_0, sigma_1, u_0 and v_0 come from a {@link SubspaceSpectrum} per weight whose basis
 * is kept between steps (warm start): a few matrix products per weight and step instead of a
 * full SVD. A new weight's first estimate iterates to convergence.
 */
public final class SigmaConditioning implements Regularizer, AutoCloseable {

    /** Subspace iterations and relative tolerance of the clamp and of first estimates. */
    static final int CONVERGE_ITERATIONS = 100;
    static final double TOLERANCE = 1e-7;

    private final SigmaConfig generatorSettings;
    private final SigmaConfig discriminatorSettings;
    private final Map<String, SubspaceSpectrum> spectra = new LinkedHashMap<>();

    public SigmaConditioning(SigmaConfig generatorSettings, SigmaConfig discriminatorSettings) {
        for (SigmaConfig s : new SigmaConfig[] {generatorSettings, discriminatorSettings}) {
            if (s.active() && (s.target() > 0) == (s.ratio() > 0)) {
                throw new IllegalArgumentException("sigma_0 conditioning needs exactly one of a target or a ratio, "
                        + "got target " + s.target() + " and ratio " + s.ratio() + ".");
            }
        }
        this.generatorSettings = generatorSettings;
        this.discriminatorSettings = discriminatorSettings;
    }

    @Override
    public String name() {
        return "sigma0";
    }

    @Override
    public Map<String, Tensor> generatorPenalty(Generator generator, long iteration) {
        return generatorSettings.penalty() == 0 ? Map.of()
                : Map.of(name(), penalty(generator, "G", generatorSettings));
    }

    @Override
    public Map<String, Tensor> discriminatorPenalty(PenaltyContext c) {
        return discriminatorSettings.penalty() == 0 ? Map.of()
                : Map.of(name(), penalty(c.discriminator(), "D", discriminatorSettings));
    }

    @Override
    public void afterGeneratorStep(Generator generator, long iteration) {
        if (generatorSettings.clamp()) {
            clamp(generator, "G", generatorSettings);
        }
    }

    @Override
    public void afterDiscriminatorStep(Discriminator discriminator, long iteration) {
        if (discriminatorSettings.clamp()) {
            clamp(discriminator, "D", discriminatorSettings);
        }
    }

    /** strength * sum over weights of (u_0^T W v_0 - target)^2, with autograd history on W. */
    Tensor penalty(Module module, String network, SigmaConfig s) {
        StringTensorDict params = module.named_parameters(true);
        Tensor total = null;
        for (long i = 0; i < params.size(); i++) {
            Tensor w = params.get(i).value();
            if (w.dim() < 2) {
                continue;
            }
            String key = network + "." + params.get(i).key().getString();
            boolean fresh = !spectra.containsKey(key);
            SubspaceSpectrum spectrum = spectrum(key);
            SubspaceSpectrum.Estimate e = fresh ? spectrum.estimate(w, CONVERGE_ITERATIONS, TOLERANCE)
                    : spectrum.estimate(w, s.iterations(), 0);
            if (!applies(s, e)) {
                continue;
            }
            double target = target(s, e);
            Tensor[] uv = spectrum.topVectors(w);
            Tensor u = uv[0].to(w.scalar_type());                      // [out], no history
            Tensor v = uv[1].to(w.scalar_type());                      // [in]
            uv[0].close();
            uv[1].close();
            Tensor matrix = w.reshape(w.size(0), -1);                  // [out, in]
            Tensor sigma0 = u.mul(matrix.mv(v)).sum();                 // u^T W v; d/dW = u v^T
            Tensor dev = sigma0.sub(new Scalar(target));
            Tensor term = dev.mul(dev);
            total = total == null ? term : total.add(term);
        }
        if (total == null) {
            throw new IllegalArgumentException("sigma_0 conditioning of " + network + " found no weight matrix"
                    + (s.ratio() > 0 ? " with two singular values (a ratio target needs sigma_1)" : "") + ".");
        }
        return total.mul(new Scalar(s.penalty()));
    }

    /** W &lt;- W - max(0, sigma_0 - target) u_0 v_0^T for every weight, in place, no gradient. */
    void clamp(Module module, String network, SigmaConfig s) {
        StringTensorDict params = module.named_parameters(true);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (long i = 0; i < params.size(); i++) {
                Tensor w = params.get(i).value();
                if (w.dim() >= 2) {
                    clamp(w, spectrum(network + "." + params.get(i).key().getString()), s);
                }
            }
        }
    }

    /** Clamps one weight; returns sigma_0 before the clamp. */
    static double clamp(Tensor weight, SubspaceSpectrum spectrum, SigmaConfig s) {
        SubspaceSpectrum.Estimate e = spectrum.estimate(weight, CONVERGE_ITERATIONS, TOLERANCE);
        double sigma0 = e.sigmas()[0];
        if (!applies(s, e)) {
            return sigma0;
        }
        double excess = sigma0 - target(s, e);
        if (excess > 0) {
            Tensor[] uv = spectrum.topVectors(weight);
            NativeMemory.scoped(() -> {
                Tensor delta = torch.outer(uv[0], uv[1]).mul(new Scalar(excess));   // [out, in], float64
                weight.sub_(delta.reshape(Tensors.shape(weight)).to(weight.scalar_type()));
            });
            uv[0].close();
            uv[1].close();
        }
        return sigma0;
    }

    /**
     * A ratio target needs a sigma_1: a weight with one row or one column (D's final linear layer
     * [1, C]) has a single singular value and is left alone rather than pulled to 0.
     */
    static boolean applies(SigmaConfig s, SubspaceSpectrum.Estimate e) {
        return s.target() > 0 || e.sigmas().length > 1;
    }

    /** sigma_reg, or r * sigma_1 (a plain number: the stop-gradient of the paper). */
    static double target(SigmaConfig s, SubspaceSpectrum.Estimate e) {
        if (s.target() > 0) {
            return s.target();
        }
        double sigma1 = e.sigmas().length > 1 ? e.sigmas()[1] : 0;
        return s.ratio() * sigma1;
    }

    private SubspaceSpectrum spectrum(String key) {
        // k = 2: the ratio target needs sigma_1; 8 extra directions speed up convergence.
        return spectra.computeIfAbsent(key, k -> new SubspaceSpectrum(2, 8));
    }

    @Override
    public void close() {
        spectra.values().forEach(SubspaceSpectrum::close);
        spectra.clear();
    }
}
