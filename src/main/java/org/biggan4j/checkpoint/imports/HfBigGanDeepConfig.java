package org.biggan4j.checkpoint.imports;

import com.fasterxml.jackson.databind.JsonNode;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.deep.DeepGenerator;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code config.json} of a huggingface pytorch-pretrained-BigGAN model (its
 * {@code BigGANConfig}): BigGAN-deep 128, 256 or 512 converted from TF Hub.
 *
 * <p>biggan4j's {@link DeepGenerator} has these models' layout built in; the config is checked
 * against it (the block table {@code layers} must be biggan4j's table for {@code output_dim}, and
 * the attention must sit in front of the first non-upsampling block at its resolution, which is
 * where {@code attention_layer_position} puts it in every official config) rather than turned
 * into a new architecture.
 *
 * @param resolution        {@code output_dim}
 * @param zDim              {@code z_dim}
 * @param classEmbedDim     {@code class_embed_dim}
 * @param ch                {@code channel_width}
 * @param classes           {@code num_classes}
 * @param attentionPosition {@code attention_layer_position}: the block index the attention layer is
 *                          inserted in front of in {@code generator.layers}
 * @param attentionResolution the feature-map resolution at that position
 * @param eps               {@code eps}, of every batch norm (and of their spectral norm)
 * @param nStats            {@code n_stats}, rows of the truncation-indexed statistics tables
 */
public record HfBigGanDeepConfig(int resolution, int zDim, int classEmbedDim, int ch, int classes,
                                 int attentionPosition, int attentionResolution, double eps, int nStats) {

    private static final Set<String> KNOWN = Set.of("output_dim", "z_dim", "class_embed_dim", "channel_width",
            "num_classes", "layers", "attention_layer_position", "eps", "n_stats");

    /** The official configs (pytorch-pretrained-BigGAN's biggan-deep-128/256/512): only the width and size differ. */
    public static HfBigGanDeepConfig official(int resolution) {
        return new HfBigGanDeepConfig(resolution, 128, 128, 128, 1000, 8, 64, 1e-4, 51);
    }

    /** Reads and checks {@code config.json}; one-line errors name the file and the key. */
    public static HfBigGanDeepConfig read(Path file) {
        JsonNode root = ImportJson.readObject(file, "the config.json of a pytorch-pretrained-BigGAN model "
                + "(its BigGANConfig: output_dim, z_dim, channel_width, ...)");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KNOWN.contains(key)) {
                throw new CheckpointException(file + ": '" + ImportJson.shortened(key) + "' is not a field of pytorch-pretrained-BigGAN's "
                        + "BigGANConfig; known: " + new TreeSet<>(KNOWN) + ".");
            }
        }
        int resolution = integer(root, file, "output_dim");
        int[][] table;
        try {
            table = DeepGenerator.blockTable(resolution);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": output_dim " + resolution + " is not a BigGAN-deep resolution "
                    + "biggan4j builds (64, 128, 256, 512).", e);
        }
        int[][] layers = layers(root, file);
        if (!Arrays.deepEquals(layers, table)) {
            throw new CheckpointException(file + ": layers " + describe(layers) + " differ from BigGAN-deep's "
                    + resolution + " px table " + describe(table) + ", the only layout biggan4j reproduces.");
        }
        int position = integer(root, file, "attention_layer_position");
        if (position < 0 || position >= layers.length) {
            throw new CheckpointException(file + ": attention_layer_position " + position + " is not a block index "
                    + "(0 to " + (layers.length - 1) + ").");
        }
        int attentionResolution = 4;
        for (int i = 0; i < position; i++) {
            attentionResolution *= layers[i][0] == 1 ? 2 : 1;
        }
        // Ours puts the attention in front of the first non-upsampling block at its resolution.
        int first = -1;
        int r = 4;
        for (int i = 0; i < layers.length && first < 0; i++) {
            if (layers[i][0] == 0 && r == attentionResolution) {
                first = i;
            }
            r *= layers[i][0] == 1 ? 2 : 1;
        }
        if (first != position) {
            throw new CheckpointException(file + ": attention_layer_position " + position + " is not supported: "
                    + "biggan4j places BigGAN-deep's attention in front of the first non-upsampling block at its "
                    + "resolution (" + attentionResolution + " px: block " + first + ").");
        }
        double eps = number(root, file, "eps");
        int nStats = integer(root, file, "n_stats");
        if (nStats < 2) {
            throw new CheckpointException(file + ": n_stats " + nStats + " is not supported: biggan4j reproduces "
                    + "the truncation-indexed statistics tables (n_stats >= 2, official: 51).");
        }
        return new HfBigGanDeepConfig(resolution, integer(root, file, "z_dim"), integer(root, file, "class_embed_dim"),
                integer(root, file, "channel_width"), integer(root, file, "num_classes"), position,
                attentionResolution, eps, nStats);
    }

    /**
     * The biggan4j configuration of this generator: the {@code biggan-deep-<resolution>} preset
     * for everything that does not shape G, with the model section set from this config.
     */
    public TrainConfig config() {
        String preset = List.of(128, 256, 512).contains(resolution) ? "biggan-deep-" + resolution : "biggan-deep-128";
        List<String> overrides = List.of(
                "model.architecture=biggan_deep",
                "model.resolution=" + resolution,
                "model.ch=" + ch,
                "model.classes=" + classes,
                "model.conditional=true",
                "model.latent_dim=" + zDim,
                "model.shared_embedding_dim=" + classEmbedDim,
                "model.hierarchical_z=false",
                "model.attention=[" + attentionResolution + "]",
                "model.image_channels=3",
                "model.spectral_norm_g=true",
                "model.bn_eps=" + String.format(Locale.ROOT, "%s", eps),
                "model.sn_eps=" + String.format(Locale.ROOT, "%s", eps),
                "model.truncation_bn_rows=" + nStats);
        return ConfigLoader.load(preset, overrides);
    }

    private static int[][] layers(JsonNode root, Path file) {
        JsonNode v = root.get("layers");
        if (v == null || !v.isArray()) {
            throw new CheckpointException(file + ": layers is missing or not a list of [upsample, in, out].");
        }
        int[][] out = new int[v.size()][];
        for (int i = 0; i < v.size(); i++) {
            JsonNode l = v.get(i);
            if (!l.isArray() || l.size() != 3 || !l.get(0).isBoolean() || !l.get(1).isIntegralNumber()
                    || !l.get(2).isIntegralNumber()) {
                throw new CheckpointException(file + ": layers[" + i + "] = " + ImportJson.shortened(l)
                        + " is not [upsample, in, out]; give the official table for output_dim.");
            }
            if (!l.get(1).canConvertToInt() || !l.get(2).canConvertToInt()) {
                throw new CheckpointException(file + ": layers[" + i + "] = " + ImportJson.shortened(l)
                        + " has a channel factor outside 32 bits; give the official table for output_dim.");
            }
            out[i] = new int[] {l.get(0).booleanValue() ? 1 : 0, l.get(1).intValue(), l.get(2).intValue()};
        }
        return out;
    }

    private static String describe(int[][] layers) {
        StringBuilder b = new StringBuilder("[");
        for (int[] l : layers) {
            b.append(b.length() > 1 ? ", " : "").append('[').append(l[0] == 1).append(", ").append(l[1]).append(", ")
                    .append(l[2]).append(']');
        }
        return b.append(']').toString();
    }

    /**
     * Upper bounds on the sizes a config may give, far above the official models (channel_width
     * 128, 1000 classes, z 128, 51 rows): a width times the block table's factor of 16 stays
     * within 32 bits, and a hostile config cannot ask for a model no file could hold.
     */
    private static final Map<String, Integer> MAX = Map.of("output_dim", 1 << 12,
            "z_dim", 1 << 14, "class_embed_dim", 1 << 14, "channel_width", 1 << 12, "num_classes", 1 << 20,
            "attention_layer_position", 1 << 10, "n_stats", 1 << 12);

    private static int integer(JsonNode root, Path file, String key) {
        JsonNode v = root.get(key);
        int min = key.equals("attention_layer_position") ? 0 : 1;
        int max = MAX.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw new CheckpointException(file + ": " + key + " must be an integer from " + min + " to " + max
                    + ", got " + (v == null ? "nothing" : ImportJson.shortened(v)) + "; give the value of the "
                    + "official config.json.");
        }
        return v.intValue();
    }

    private static double number(JsonNode root, Path file, String key) {
        JsonNode v = root.get(key);
        if (v == null || !v.isNumber() || !(v.doubleValue() > 0) || !Double.isFinite(v.doubleValue())) {
            throw new CheckpointException(file + ": " + key + " must be a positive finite number, got "
                    + (v == null ? "nothing" : ImportJson.shortened(v)) + "; give the value of the official config.json.");
        }
        return v.doubleValue();
    }

    @Override
    public String toString() {
        return "BigGAN-deep " + resolution + " px, channel_width " + ch + ", z_dim " + zDim + ", class_embed_dim "
                + classEmbedDim + ", " + classes + " classes, attention at " + attentionResolution + " px (layers."
                + attentionPosition + "), eps " + eps + ", n_stats " + nStats;
    }
}
