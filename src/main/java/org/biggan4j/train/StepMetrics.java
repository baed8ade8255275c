package org.biggan4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one training iteration measured, as plain numbers (copied out of libtorch before the
 * step's native memory is released). Keys are stable snake_case names: {@code d_loss},
 * {@code g_loss}, {@code d_real}, {@code d_fake}, {@code d_loss_<part>}, {@code d_penalty_<name>},
 * {@code g_penalty_<name>}, {@code grad_norm_d}, {@code grad_norm_g}, {@code lr_d}, {@code lr_g},
 * {@code wasserstein} (for Wasserstein objectives), {@code seconds}, {@code images_per_sec}; with
 * ADA {@code ada_p} (the p the iteration used), {@code ada_rt} (r_t of the last completed interval)
 * and {@code ada_sign_real} (this iteration's mean sign of D on augmented reals, when p adapts).
 */
public record StepMetrics(long iteration, Map<String, Double> values) {

    public StepMetrics {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** A value, or NaN when this iteration did not measure it. */
    public double get(String key) {
        return values.getOrDefault(key, Double.NaN);
    }

    /** A copy with extra values added (the loop adds timing). */
    public StepMetrics with(Map<String, Double> extra) {
        Map<String, Double> all = new LinkedHashMap<>(values);
        all.putAll(extra);
        return new StepMetrics(iteration, all);
    }
}
