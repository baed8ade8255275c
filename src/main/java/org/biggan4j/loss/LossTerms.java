package org.biggan4j.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loss to minimise and its named parts, for logging. {@code total} is a scalar tensor with
 * autograd history; {@code parts} maps names such as {@code "real"}, {@code "fake"},
 * {@code "pull_away"} to scalar tensors (each already included in {@code total}).
 */
public record LossTerms(Tensor total, Map<String, Tensor> parts) {

    public LossTerms {
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    /** A loss with no separately reported parts. */
    public static LossTerms of(Tensor total) {
        return new LossTerms(total, Map.of());
    }
}
