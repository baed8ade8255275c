package org.biggan4j.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
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
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
            "wgan-clip", "wgan-gp", "lsgan", "ebgan", "fmnist-demo", "fmnist-small", "fmnist-small-diffaug",
            "fmnist-small-ada", "biggan-deep-128-finetune");

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
        JsonNode diff = presetTree(preset);
        try {
            ObjectNode tree = defaults();
            merge(tree, diff, "");
            for (String override : overrides) {
                applyOverride(tree, override);
            }
            TrainConfig config = bind(tree, "preset '" + preset + "'");
            ConfigValidator.validate(config);
            return config;
        } catch (IllegalArgumentException e) {
            if (PRESETS.contains(preset)) {
                throw e;
            }
            // A preset file: every refusal names the file (and says when --set took part).
            throw new BadInputException(preset + (overrides.isEmpty() ? "" : " (with --set " + shortened(
                    String.join(" ", overrides)) + ")") + ": " + e.getMessage(), e);
        }
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
            throw new IllegalArgumentException("The stored configuration is not valid JSON (" + yamlProblem(e)
                    + "); the checkpoint is damaged.", e);
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
        if (preset.endsWith(".yaml") || preset.endsWith(".yml")) {
            Path file = Path.of(preset);
            if (!Files.isRegularFile(file)) {
                throw BadInputException.of(file, "the preset file does not exist", "check the path, or use one of "
                        + String.join(", ", PRESETS));
            }
            return readYamlFile(file);
        }
        throw new IllegalArgumentException("Unknown preset '" + shortened(preset) + "': use one of "
                + String.join(", ", PRESETS) + ", or a path to a .yaml file.");
    }

    /**
     * Reads a user's YAML file with every bound of issue 19: its size ({@link BoundedReads#smallFile}),
     * the nesting of its collections and the number of its aliases (SnakeYAML's loader options and
     * Jackson's stream constraints, both from {@link InputLimits}), and the length of each text
     * value; a refusal is one line naming the file.
     */
    static JsonNode readYamlFile(Path file) {
        byte[] bytes;
        try {
            bytes = BoundedReads.smallFile(file);
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot be read (" + shortened(String.valueOf(e.getMessage())) + ")",
                    "check the file and its permissions");
        }
        JsonNode node;
        try {
            node = boundedYaml().readTree(bytes);
        } catch (StreamConstraintsException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            throw m.contains("nesting") ? BadInputException.of(file, "nests deeper than the limit of "
                    + InputLimits.current().nestingDepth(), "a configuration is a few levels deep; fix the file")
                    : BadInputException.of(file, "holds a value longer than " + MAX_TEXT_CHARS + " characters (or a "
                    + "number longer than 64 digits)", "shorten it");
        } catch (IOException | RuntimeException e) {
            throw BadInputException.of(file, "is not valid YAML (" + yamlProblem(e) + ")", "fix the YAML syntax");
        }
        if (!(node instanceof ObjectNode)) {
            throw BadInputException.of(file, "holds " + (node == null || node.isMissingNode() ? "nothing"
                    : "a " + kind(node)) + " where a YAML mapping of "
                    + "sections (model:, training:, ...) belongs", "write the preset as a mapping over defaults.yaml");
        }
        checkTexts(node, "", file);
        return node;
    }

    /** A YAML node's kind in the words of a config file. */
    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "list";
            case OBJECT, POJO -> "mapping";
            case STRING -> "text";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            default -> "null";
        };
    }

    /** The longest text value a configuration takes (paths, names); far beyond any real one. */
    static final int MAX_TEXT_CHARS = 4096;

    /** Refuses text values and keys longer than {@link #MAX_TEXT_CHARS}, walking without recursion. */
    private static void checkTexts(JsonNode root, String prefix, Object source) {
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.push(Map.entry(prefix, root));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> top = todo.pop();
            String key = top.getKey();
            JsonNode node = top.getValue();
            if (key.length() > MAX_TEXT_CHARS || node.isTextual() && node.textValue().length() > MAX_TEXT_CHARS) {
                throw BadInputException.of(source, "key '" + shortened(key) + "' " + (node.isTextual()
                        ? "has a text value of " + node.textValue().length() + " characters" : "is " + key.length()
                        + " characters long") + ", more than the " + MAX_TEXT_CHARS + " any configuration value needs",
                        "shorten it");
            }
            if (node.isObject()) {
                node.fields().forEachRemaining(f -> todo.push(Map.entry(
                        key.isEmpty() ? f.getKey() : key + "." + f.getKey(), f.getValue())));
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    todo.push(Map.entry(key + "[" + i + "]", node.get(i)));
                }
            }
        }
    }

    /** A YAML mapper bounded by the limits in force (read per call: -Dbiggan4j.limit.* may change). */
    private static ObjectMapper boundedYaml() {
        InputLimits limits = InputLimits.current();
        LoaderOptions options = new LoaderOptions();
        // Jackson reports an alias as the anchor's name rather than expanding it, so a
        // billion-laughs file cannot explode; these bound SnakeYAML's own parsing as well.
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(limits.nestingDepth());
        options.setCodePointLimit((int) Math.min(Integer.MAX_VALUE, limits.textBytes()));
        options.setAllowRecursiveKeys(false);
        YAMLFactory factory = YAMLFactory.builder().loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.nestingDepth())
                        .maxStringLength(MAX_TEXT_CHARS)
                        .maxNumberLength(64)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return YAMLMapper.builder(factory).build();
    }

    /** A parser's complaint in one short line, with its position when it has one. */
    private static String yamlProblem(Exception e) {
        if (e instanceof JsonProcessingException j) {
            String where = j.getLocation() == null ? "" : "line " + j.getLocation().getLineNr() + ", column "
                    + j.getLocation().getColumnNr() + ": ";
            return where + shortened(String.valueOf(j.getOriginalMessage()).lines().findFirst().orElse(""));
        }
        return e.getClass().getSimpleName() + ": " + shortened(String.valueOf(e.getMessage()).lines().findFirst()
                .orElse(""));
    }

    /** Keys and values from a hostile file can be megabytes long or span lines; messages stay one line. */
    static String shortened(String text) {
        String oneLine = text.replaceAll("[\\r\\n\\t]", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
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
                throw new IllegalArgumentException("Unknown configuration key '" + shortened(key) + "'"
                        + suggestion(base, f.getKey()) + ".");
            }
            if (current.isObject() && f.getValue().isObject()) {
                merge((ObjectNode) current, f.getValue(), key + ".");
            } else if (current.isObject()) {
                throw new IllegalArgumentException("Configuration key '" + key + "' is a section, but the file gives it "
                        + "a " + kind(f.getValue())
                        + "; write its keys under it (" + key + ": {" + current.fieldNames().next() + ": ...}).");
            } else {
                base.set(f.getKey(), f.getValue());
            }
        }
    }

    private static void applyOverride(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("Override '" + shortened(override)
                    + "' must look like key=value, for example training.batch_size=16.");
        }
        if (override.length() > MAX_TEXT_CHARS) {
            throw new IllegalArgumentException("Override '" + shortened(override) + "' is " + override.length()
                    + " characters long, more than the " + MAX_TEXT_CHARS + " any configuration value needs.");
        }
        String key = override.substring(0, eq).trim();
        String value = override.substring(eq + 1).trim();
        String[] path = key.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || !child.isObject()) {
                throw new IllegalArgumentException("Unknown configuration key '" + shortened(key) + "'"
                        + suggestion(node, path[i]) + ".");
            }
            node = (ObjectNode) child;
        }
        String leaf = path[path.length - 1];
        if (!node.has(leaf)) {
            throw new IllegalArgumentException("Unknown configuration key '" + shortened(key) + "'"
                    + suggestion(node, leaf) + ".");
        }
        if (node.get(leaf).isObject()) {
            throw new IllegalArgumentException("Configuration key '" + key
                    + "' is a section; set one of its keys instead, for example " + key + "."
                    + node.get(leaf).fieldNames().next() + "=...");
        }
        try {
            // A YAML scalar or flow sequence: "16", "1e-4", "true", "[64, 128]", "hinge".
            JsonNode parsed = value.isEmpty() ? YAML.getNodeFactory().textNode("") : boundedYaml().readTree(value);
            node.set(leaf, parsed == null || parsed.isMissingNode() ? YAML.getNodeFactory().nullNode() : parsed);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Override '" + shortened(override) + "' has an unreadable value ("
                    + yamlProblem(e) + "); quote text and write lists as [a, b].");
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
            throw new IllegalArgumentException("Configuration key '" + path(e) + "' has value '"
                    + shortened(String.valueOf(e.getValue())) + "', which is not a valid " + typeName(e.getTargetType())
                    + ".", e);
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException("Configuration key '" + path(e) + "' has a value of the wrong type"
                    + " (expected " + typeName(e.getTargetType()) + ").", e);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InputCoercionException ice) {
                    throw new IllegalArgumentException("Configuration key '" + keyOf(tree, ice) + "' has a number "
                            + "outside the range of its type (" + typeName(ice.getTargetType()) + ").", e);
                }
            }
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("Invalid configuration in " + source + ": "
                    + shortened(String.valueOf(e.getMessage()).lines().findFirst().orElse("")) + ".", e);
        } catch (IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw root instanceof IllegalArgumentException iae ? iae : e;
        }
    }

    /** The key of the number an {@link com.fasterxml.jackson.core.exc.InputCoercionException} is about. */
    private static String keyOf(JsonNode tree, InputCoercionException e) {
        String message = String.valueOf(e.getOriginalMessage());
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", tree));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> top = todo.pop();
            JsonNode node = top.getValue();
            if (node.isNumber() && message.contains("(" + node.asText() + ")")) {
                return top.getKey();
            }
            node.fields().forEachRemaining(f -> todo.push(Map.entry(
                    top.getKey().isEmpty() ? f.getKey() : top.getKey() + "." + f.getKey(), f.getValue())));
            for (int i = 0; i < (node.isArray() ? node.size() : 0); i++) {
                todo.push(Map.entry(top.getKey() + "[" + i + "]", node.get(i)));
            }
        }
        return "?";
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
        if (type.isRecord()) {
            return "section (a mapping of keys)";
        }
        if (List.class.isAssignableFrom(type)) {
            return "list";
        }
        return type.getSimpleName();
    }
}
