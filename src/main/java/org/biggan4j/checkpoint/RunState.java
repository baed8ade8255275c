package org.biggan4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The small state of a run that a checkpoint keeps beside its weights and configuration: the
 * {@code state} object of {@code manifest.json}. It is written by training and the importers and
 * read by resuming, sampling and exporting; this record is the one place that knows its keys,
 * their types and their defaults for checkpoints written before a key existed.
 *
 * <p>On disk (snake_case, unchanged since format version 1, so every older checkpoint loads):
 * <pre>
 * "state": {
 *   "loader": {"seed": 7, "dataset_count": 60000, "epoch": 3, "index_in_epoch": 512},
 *   "class_names": ["T-shirt", ...],
 *   "model": {"classes": 10, "image_channels": 1},
 *   "noise_salt": 0,
 *   "standing_statistics": [{"group": ..., "weights": ..., "truncation": ..., ...}],
 *   "imported": {"format": "biggan-pytorch", "file": ..., "sha256": ...},
 *   "health": {...}            (and any other listener's key: kept as stored)
 *   "ada": {"p": 0.12, ...}    (ADA's probability and partial interval, when ADA trains)
 * }
 * </pre>
 *
 * @param loader             the data loader's position, as the data source reported it (whole
 *                           numbers by name: its seed, which may be negative, epoch, index...);
 *                           the source checks their ranges when it restores; empty when no loader
 *                           ran (an import)
 * @param classNames         the training data's class names, index = class id (empty: unlabelled,
 *                           or an import that answers to ImageNet's names)
 * @param model              what the configuration leaves to the data ("0 = from the data"), so
 *                           that sampling rebuilds G from the checkpoint alone; null in checkpoints
 *                           written before it was recorded
 * @param noiseSalt          the step's noise salt (a roll-back after a non-finite step raises it)
 * @param standingStatistics the standing-statistics sets stored as tensor groups, in stored order
 *                           (see {@link StoredStandingStatistics})
 * @param imported           where imported weights came from (format, file, SHA-256, ...); empty
 *                           for trained checkpoints
 * @param listeners          state of training listeners by key (the collapse monitor's under
 *                           {@code health}), opaque JSON values (maps, lists, strings, numbers,
 *                           booleans) that only their owner interprets; unknown keys of a newer
 *                           writer land here too and are written back unchanged
 */
public record RunState(Map<String, Long> loader, List<String> classNames, ModelShape model, int noiseSalt,
                       List<StoredStandingStatistics.Entry> standingStatistics, Map<String, String> imported,
                       Map<String, Object> listeners) {

    /**
     * The class count and image channels the models were built with.
     *
     * @param classes       classes of the conditional models (0 = unconditional)
     * @param imageChannels channels of the images (1 or 3)
     */
    public record ModelShape(int classes, int imageChannels) {
        public ModelShape {
            if (classes < 0 || imageChannels < 1) {
                throw new IllegalArgumentException("A model shape needs classes >= 0 and image channels >= 1, got "
                        + classes + " and " + imageChannels + ".");
            }
        }
    }

    /** The keys this record owns; every other key of the state object is a listener's. */
    private static final Set<String> OWN_KEYS = Set.of("loader", "class_names", "model", "noise_salt",
            StoredStandingStatistics.STATE_KEY, "imported");

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** A state with nothing in it (what a checkpoint without a {@code state} object means). */
    public static final RunState EMPTY = new RunState(Map.of(), List.of(), null, 0, List.of(), Map.of(), Map.of());

    public RunState {
        loader = Collections.unmodifiableMap(new LinkedHashMap<>(loader));
        classNames = List.copyOf(classNames);
        standingStatistics = List.copyOf(standingStatistics);
        imported = Collections.unmodifiableMap(new LinkedHashMap<>(imported));
        listeners = Collections.unmodifiableMap(new LinkedHashMap<>(listeners));
        for (String key : listeners.keySet()) {
            if (OWN_KEYS.contains(key)) {
                throw new IllegalArgumentException("Listener state may not use the run state's own key '" + key
                        + "'.");
            }
        }
        for (var e : loader.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("Loader position field '" + e.getKey() + "' has no value.");
            }
        }
    }

    /**
     * The state of imported weights: no loader, no names (a 1000-class generator answers to
     * ImageNet's, see {@code ClassNames.forGenerator}), RGB images.
     */
    public static RunState imported(int classes, Map<String, String> imported) {
        return new RunState(Map.of(), List.of(), new ModelShape(classes, 3), 0, List.of(), imported, Map.of());
    }

    /** This state with {@code entries} as its standing-statistics list. */
    public RunState withStandingStatistics(List<StoredStandingStatistics.Entry> entries) {
        return new RunState(loader, classNames, model, noiseSalt, entries, imported, listeners);
    }

    /** The {@code state} object as written to the manifest: the keys above, in that order. */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!loader.isEmpty()) {
            out.put("loader", loader);
        }
        out.put("class_names", classNames);
        if (model != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("classes", model.classes());
            m.put("image_channels", model.imageChannels());
            out.put("model", m);
        }
        out.put("noise_salt", noiseSalt);
        if (!standingStatistics.isEmpty()) {
            out.put(StoredStandingStatistics.STATE_KEY, standingStatistics.stream()
                    .map(StoredStandingStatistics.Entry::toJson).toList());
        }
        if (!imported.isEmpty()) {
            out.put("imported", imported);
        }
        out.putAll(listeners);
        return out;
    }

    /**
     * Reads a {@code state} object, checking every key this record owns; a missing key takes
     * the value a checkpoint written before it existed means (no loader position, no names, no
     * model shape, salt 0, no statistics).
     *
     * @param source the file, for messages
     * @param state  the {@code state} object (missing or null = {@link #EMPTY})
     * @throws CheckpointException naming the file and the key when a value has the wrong type or
     *                             range
     */
    public static RunState fromJson(String source, JsonNode state) {
        if (state == null || state.isMissingNode() || state.isNull()) {
            return EMPTY;
        }
        if (!state.isObject()) {
            throw bad(source, "state", "a JSON object", state);
        }
        Map<String, Long> loader = objectOf(source, "loader", state, "integers",
                (key, v) -> boundedLong(source, key, v, Long.MIN_VALUE, Long.MAX_VALUE));
        List<String> names = new ArrayList<>();
        JsonNode namesNode = state.path("class_names");
        if (present(namesNode)) {
            if (!namesNode.isArray()) {
                throw bad(source, "state.class_names", "a list of strings", namesNode);
            }
            for (int i = 0; i < namesNode.size(); i++) {
                JsonNode n = namesNode.get(i);
                if (!n.isTextual()) {
                    throw bad(source, "state.class_names[" + i + "]", "a string", n);
                }
                names.add(n.asText());
            }
        }
        ModelShape model = null;
        JsonNode modelNode = state.path("model");
        if (present(modelNode)) {
            if (!modelNode.isObject()) {
                throw bad(source, "state.model", "an object with 'classes' and 'image_channels'", modelNode);
            }
            int classes = (int) boundedLong(source, "state.model.classes", modelNode.path("classes"), 0,
                    Integer.MAX_VALUE);
            int channels = (int) boundedLong(source, "state.model.image_channels", modelNode.path("image_channels"),
                    1, 4);
            model = new ModelShape(classes, channels);
        }
        JsonNode saltNode = state.path("noise_salt");
        int salt = present(saltNode)
                ? (int) boundedLong(source, "state.noise_salt", saltNode, Integer.MIN_VALUE, Integer.MAX_VALUE) : 0;
        List<StoredStandingStatistics.Entry> standing = new ArrayList<>();
        JsonNode standingNode = state.path(StoredStandingStatistics.STATE_KEY);
        if (present(standingNode)) {
            String key = "state." + StoredStandingStatistics.STATE_KEY;
            if (!standingNode.isArray()) {
                throw bad(source, key, "a list of objects", standingNode);
            }
            for (int i = 0; i < standingNode.size(); i++) {
                standing.add(entry(source, key + "[" + i + "]", standingNode.get(i)));
            }
        }
        Map<String, String> imported = objectOf(source, "imported", state, "strings", (key, v) -> {
            if (!v.isTextual()) {
                throw bad(source, key, "a string", v);
            }
            return v.asText();
        });
        Map<String, Object> listeners = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = state.fields(); it.hasNext(); ) {
            var f = it.next();
            if (!OWN_KEYS.contains(f.getKey())) {
                listeners.put(f.getKey(), JSON.convertValue(f.getValue(), Object.class));
            }
        }
        return new RunState(loader, names, model, salt, standing, imported, listeners);
    }

    /**
     * The object under {@code name} of the state, each value read by {@code value} (given its
     * full key, for messages); empty when the key is absent.
     */
    private static <V> Map<String, V> objectOf(String source, String name, JsonNode state, String values,
                                               BiFunction<String, JsonNode, V> value) {
        Map<String, V> out = new LinkedHashMap<>();
        JsonNode node = state.path(name);
        if (!present(node)) {
            return out;
        }
        if (!node.isObject()) {
            throw bad(source, "state." + name, "an object of " + values, node);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var f = it.next();
            out.put(f.getKey(), value.apply("state." + name + "." + f.getKey(), f.getValue()));
        }
        return out;
    }

    private static StoredStandingStatistics.Entry entry(String source, String key, JsonNode node) {
        if (!node.isObject()) {
            throw bad(source, key, "an object", node);
        }
        JsonNode weights = node.path("weights");
        if (!weights.isTextual()) {
            throw bad(source, key + ".weights", "a tensor group name", weights);
        }
        JsonNode truncation = node.path("truncation");
        if (!truncation.isNumber() || !(truncation.doubleValue() >= 0) || Double.isInfinite(truncation.doubleValue())) {
            throw bad(source, key + ".truncation", "a finite number >= 0", truncation);
        }
        int batches = (int) boundedLong(source, key + ".batches", node.path("batches"), 0, Integer.MAX_VALUE);
        int batchSize = (int) boundedLong(source, key + ".batch_size", node.path("batch_size"), 0, Integer.MAX_VALUE);
        long seed = boundedLong(source, key + ".seed", node.path("seed"), Long.MIN_VALUE, Long.MAX_VALUE);
        return new StoredStandingStatistics.Entry(weights.asText(), truncation.doubleValue(), batches, batchSize,
                seed);
    }

    private static boolean present(JsonNode node) {
        return !node.isMissingNode() && !node.isNull();
    }

    private static long boundedLong(String source, String key, JsonNode node, long min, long max) {
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            String range = min == Long.MIN_VALUE || min == Integer.MIN_VALUE ? "an integer"
                    : "an integer in [" + min + ", " + max + "]";
            throw bad(source, key, range, node);
        }
        return node.longValue();
    }

    private static CheckpointException bad(String source, String key, String expected, JsonNode actual) {
        return CheckpointFile.field(source, key, expected, actual);
    }
}
