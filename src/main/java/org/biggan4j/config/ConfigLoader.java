package org.biggan4j.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a preset and {@code --set key=value} overrides into a validated {@link TrainConfig}.
 *
 * <p>Config flows one way: {@code defaults.yaml} (every key, documented) &larr; the preset
 * (a small diff) &larr; overrides &rarr; strict binding (unknown keys are errors) &rarr;
 * record validation &rarr; {@link ConfigValidator}'s cross-field checks.
 */
public final class ConfigLoader {

    /** Presets shipped in the jar, by name. */
    public static final List<String> PRESETS = List.of("biggan-128", "biggan-256", "biggan-512",
            "biggan-deep-128", "biggan-deep-256", "biggan-deep-512", "biggan-cifar", "sngan-cifar", "dcgan",
            "wgan-clip", "wgan-gp", "lsgan", "ebgan", "fmnist-demo");

    private static final String RESOURCE_DIR = "/org/biggan4j/presets/";

    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory()).build();
    /** Binds trees to records: snake_case keys, case-insensitive enums, unknown keys rejected. */
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .build();
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private ConfigLoader() {
    }

    /**
     * Loads a preset by name (or a YAML file path) with overrides.
     *
     * @param preset    a name from {@link #PRESETS} or a path to a YAML file
     * @param overrides {@code key=value} strings with dotted keys, e.g. {@code training.batch_size=16}
     */
    public static TrainConfig load(String preset, List<String> overrides) {
        ObjectNode tree = defaults();
        merge(tree, presetTree(preset), "");
        for (String override : overrides) {
            applyOverride(tree, override);
        }
        TrainConfig config = bind(tree, "preset '" + preset + "'");
        ConfigValidator.validate(config);
        return config;
    }

    /**
     * Binds a resolved tree (for example a checkpoint's) without overrides. It is laid over
     * {@code defaults.yaml}, so keys added after the checkpoint was written take their defaults,
     * which keep the behaviour of the version that wrote it.
     */
    public static TrainConfig fromJson(String json) {
        try {
            ObjectNode tree = defaults();
            merge(tree, JSON.readTree(json), "");
            return bind(tree, "the checkpoint's stored configuration");
        } catch (IOException e) {
            throw new IllegalArgumentException("The stored configuration is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The resolved configuration as JSON with snake_case keys (what checkpoints store). */
    public static String toJson(TrainConfig config) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (IOException e) {
            throw new IllegalStateException("A configuration record could not be serialised", e);
        }
    }

    /** The resolved configuration as YAML, for the run folder and for users. */
    public static String toYaml(TrainConfig config) {
        try {
            return YAML.writeValueAsString(JSON.readTree(toJson(config)));
        } catch (IOException e) {
            throw new IllegalStateException("A configuration record could not be serialised", e);
        }
    }

    /** Applies {@code key=value} to a copy of a resolved configuration (used by {@code --resume --set}). */
    public static TrainConfig withOverrides(TrainConfig config, List<String> overrides) {
        try {
            ObjectNode tree = (ObjectNode) JSON.readTree(toJson(config));
            for (String override : overrides) {
                applyOverride(tree, override);
            }
            TrainConfig out = bind(tree, "the resumed configuration");
            ConfigValidator.validate(out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("A configuration record could not be serialised", e);
        }
    }

    private static ObjectNode defaults() {
        return (ObjectNode) readResource("defaults.yaml");
    }

    private static JsonNode presetTree(String preset) {
        if (PRESETS.contains(preset)) {
            return readResource(preset + ".yaml");
        }
        Path file = Path.of(preset);
        if (preset.endsWith(".yaml") || preset.endsWith(".yml")) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("Preset file " + file + " does not exist.");
            }
            try {
                JsonNode node = YAML.readTree(file.toFile());
                if (!(node instanceof ObjectNode)) {
                    throw new IllegalArgumentException("Preset file " + file + " must hold a YAML mapping.");
                }
                return node;
            } catch (IOException e) {
                throw new IllegalArgumentException("Preset file " + file + " is not valid YAML: "
                        + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }
        throw new IllegalArgumentException("Unknown preset '" + preset + "': use one of "
                + String.join(", ", PRESETS) + ", or a path to a .yaml file.");
    }

    private static JsonNode readResource(String name) {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("The bundled preset " + name + " is missing from the jar.");
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("The bundled preset " + name + " is not valid YAML.", e);
        }
    }

    /** Deep-merges {@code diff} into {@code base}; keys absent from base are unknown keys. */
    private static void merge(ObjectNode base, JsonNode diff, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> fields = diff.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = prefix + f.getKey();
            JsonNode current = base.get(f.getKey());
            if (current == null) {
                throw new IllegalArgumentException("Unknown configuration key '" + key + "'" + suggestion(base, f.getKey())
                        + ".");
            }
            if (current.isObject() && f.getValue().isObject()) {
                merge((ObjectNode) current, f.getValue(), key + ".");
            } else {
                base.set(f.getKey(), f.getValue());
            }
        }
    }

    private static void applyOverride(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("Override '" + override
                    + "' must look like key=value, for example training.batch_size=16.");
        }
        String key = override.substring(0, eq).trim();
        String value = override.substring(eq + 1).trim();
        String[] path = key.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || !child.isObject()) {
                throw new IllegalArgumentException("Unknown configuration key '" + key + "'"
                        + suggestion(node, path[i]) + ".");
            }
            node = (ObjectNode) child;
        }
        String leaf = path[path.length - 1];
        if (!node.has(leaf)) {
            throw new IllegalArgumentException("Unknown configuration key '" + key + "'" + suggestion(node, leaf) + ".");
        }
        if (node.get(leaf).isObject()) {
            throw new IllegalArgumentException("Configuration key '" + key
                    + "' is a section; set one of its keys instead, for example " + key + "."
                    + node.get(leaf).fieldNames().next() + "=...");
        }
        try {
            // A YAML scalar or flow sequence: "16", "1e-4", "true", "[64, 128]", "hinge".
            JsonNode parsed = value.isEmpty() ? YAML.getNodeFactory().textNode("") : YAML.readTree(value);
            node.set(leaf, parsed == null || parsed.isMissingNode() ? YAML.getNodeFactory().nullNode() : parsed);
        } catch (IOException e) {
            throw new IllegalArgumentException("Override '" + override + "' has an unreadable value: " + value + ".");
        }
    }

    private static String suggestion(JsonNode node, String key) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = editDistance(n, key);
            if (d < bestDistance) {
                bestDistance = d;
                best = n;
            }
        }
        if (best != null && bestDistance <= Math.max(2, key.length() / 3)) {
            return " (did you mean '" + best + "'?)";
        }
        return names.isEmpty() ? "" : " (known keys here: " + String.join(", ", names) + ")";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static TrainConfig bind(ObjectNode tree, String source) {
        try {
            return BINDER.treeToValue(tree, TrainConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("Unknown configuration key '" + path(e) + "' in " + source + ".", e);
        } catch (InvalidFormatException e) {
            throw new IllegalArgumentException("Configuration key '" + path(e) + "' has value '" + e.getValue()
                    + "', which is not a valid " + typeName(e.getTargetType()) + ".", e);
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException("Configuration key '" + path(e) + "' has a value of the wrong type"
                    + " (expected " + typeName(e.getTargetType()) + ").", e);
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("Invalid configuration in " + source + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        } catch (IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw root instanceof IllegalArgumentException iae ? iae : e;
        }
    }

    private static String path(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : type.getEnumConstants()) {
                names.add(c.toString().toLowerCase(Locale.ROOT));
            }
            return "choice (one of " + String.join(", ", names) + ")";
        }
        return type.getSimpleName();
    }
}
