package org.biggan4j.checkpoint;

import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a checkpoint holds.
 *
 * @param iteration      completed G updates
 * @param configJson     the resolved training configuration (snake_case JSON)
 * @param provenance     versions, seed, revision, data
 * @param state          the run's small state: loader position, class names, model shape, noise salt,
 *                       stored standing statistics, listeners' state (see {@link RunState})
 * @param metrics        latest metric values (used to keep the best checkpoint)
 * @param tensorGroups   named groups of tensors, e.g. {@code generator}, {@code discriminator},
 *                       {@code generator_ema}, {@code optimizer_generator}; each stored as one
 *                       safetensors entry
 * @param blobs          opaque byte entries (format version 1 kept libtorch optimiser archives
 *                       here; nothing current writes any)
 */
public record CheckpointData(long iteration, String configJson, Provenance provenance, RunState state,
                             Map<String, Double> metrics, Map<String, Map<String, Tensor>> tensorGroups,
                             Map<String, byte[]> blobs) {

    public CheckpointData {
        Objects.requireNonNull(state, "state");
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        tensorGroups = Collections.unmodifiableMap(new LinkedHashMap<>(tensorGroups));
        blobs = Collections.unmodifiableMap(new LinkedHashMap<>(blobs));
    }

    /** A group by name. */
    public Map<String, Tensor> group(String name, String source) {
        Map<String, Tensor> g = tensorGroups.get(name);
        if (g == null) {
            throw new CheckpointException(source + " has no '" + name + "' tensors (it holds "
                    + tensorGroups.keySet() + ").");
        }
        return g;
    }
}
