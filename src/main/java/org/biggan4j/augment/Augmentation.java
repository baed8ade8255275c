package org.biggan4j.augment;

import org.biggan4j.config.TrainConfig.AugmentConfig;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the training step needs to augment D's inputs: ADA (when enabled) and then
 * DiffAugment (when its policy names operations), with ADA's controller. The step applies
 * {@link #apply} to real and generated images alike, each call with fresh per-sample draws, and
 * feeds {@link #afterIteration} the iteration's metrics.
 *
 * <p>With no DiffAugment policy and ADA off or at p = 0, {@link #active()} is false and
 * {@link #apply} returns its input: no draws and no operations.
 */
public final class Augmentation {

    /** The step's metric: mean sign of D's outputs on the reals of its last D update. */
    public static final String SIGN_REAL = "ada_sign_real";
    /** The metric of the p used in the iteration. */
    public static final String P = "ada_p";
    /** The metric of r_t (the last completed interval's). */
    public static final String RT = "ada_rt";

    private final DiffAugment diffAugment;     // null: no DiffAugment
    private final AdaPipeline ada;             // null: no ADA
    private final AdaController controller;    // null: no ADA

    private Augmentation(DiffAugment diffAugment, AdaPipeline ada, AdaController controller) {
        this.diffAugment = diffAugment;
        this.ada = ada;
        this.controller = controller;
    }

    /**
     * The configured augmentation, or null when the configuration asks for none (the step then
     * does exactly what it did before augmentation existed).
     *
     * @param imagesPerIteration real images per iteration of the whole job (batch x accumulation),
     *                           ADA's unit for moving p
     */
    public static Augmentation of(AugmentConfig config, int imagesPerIteration) {
        var ops = config.diffAugmentOps();
        var a = config.ada();
        if (ops.isEmpty() && !a.enabled()) {
            return null;
        }
        return new Augmentation(ops.isEmpty() ? null : new DiffAugment(ops),
                a.enabled() ? AdaPipeline.bgc() : null,
                a.enabled() ? new AdaController(a.p(), a.target(), a.speedImages(), a.interval(), imagesPerIteration)
                        : null);
    }

    /** ADA's controller, or null when ADA is off. */
    public AdaController ada() {
        return controller;
    }

    /** Whether {@link #apply} changes anything this iteration. */
    public boolean active() {
        return diffAugment != null || (controller != null && controller.p() > 0);
    }

    /** Whether the step should measure {@link #SIGN_REAL} (ADA adapts p from it). */
    public boolean measuresRealSigns() {
        return controller != null && controller.adaptive();
    }

    /** Augments {@code images} [B, C, H, W] with fresh per-sample draws; the input itself when inactive. */
    public Tensor apply(Tensor images) {
        Tensor x = images;
        if (controller != null && controller.p() > 0) {
            x = ada.apply(x, controller.p());
        }
        if (diffAugment != null) {
            x = diffAugment.apply(x);
        }
        return x;
    }

    /**
     * After a successful iteration (metrics averaged over replicas, so that every replica moves p
     * alike): adds {@link #P} (the p the iteration used) and {@link #RT}, and feeds ADA's
     * controller the iteration's {@link #SIGN_REAL}.
     */
    public Map<String, Double> afterIteration(Map<String, Double> metrics) {
        if (controller == null) {
            return metrics;
        }
        Map<String, Double> out = new LinkedHashMap<>(metrics);
        out.put(P, controller.p());
        Double sign = metrics.get(SIGN_REAL);
        if (sign != null) {
            controller.observe(Math.min(Math.max(sign, -1), 1));
        }
        out.put(RT, controller.rt());
        return out;
    }
}
