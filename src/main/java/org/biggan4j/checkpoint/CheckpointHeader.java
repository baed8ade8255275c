package org.biggan4j.checkpoint;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.io.BadInputException;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a checkpoint says about its run without its tensors: the manifest, type-checked. This
 * is the one way the code reads a run's configuration back from a checkpoint ({@link #config()}).
 *
 * @param file       the checkpoint, for messages
 * @param version    its format version
 * @param iteration  completed G updates
 * @param configJson the resolved training configuration as stored (snake_case JSON)
 * @param provenance versions, seed, revision, data
 * @param state      the run's small state
 * @param metrics    the metrics stored with it
 */
public record CheckpointHeader(Path file, int version, long iteration, String configJson, Provenance provenance,
                               RunState state, Map<String, Double> metrics) {

    public CheckpointHeader {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(configJson, "configJson");
        Objects.requireNonNull(state, "state");
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /**
     * The stored configuration, bound to the records as a configuration file would be (keys this
     * build added since take their defaults).
     *
     * @throws CheckpointException naming the file when the stored configuration does not bind
     *                             (an unknown key, a value of the wrong type)
     */
    public TrainConfig config() {
        try {
            return ConfigLoader.fromJson(configJson);
        } catch (BadInputException | IllegalArgumentException e) {
            throw new CheckpointException(file + ": its stored configuration cannot be read (" + e.getMessage()
                    + "); it was written by another version of biggan4j or is damaged.", e);
        }
    }
}
