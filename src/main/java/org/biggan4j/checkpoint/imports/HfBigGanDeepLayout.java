package org.biggan4j.checkpoint.imports;

import org.biggan4j.checkpoint.CheckpointException;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The correspondence between pytorch-pretrained-BigGAN's {@code BigGAN} state dict (huggingface,
 * BigGAN-deep converted from TF Hub) and biggan4j's {@link org.biggan4j.model.deep.DeepGenerator}
 * with truncation-indexed statistics. The computations are the same; names and three shapes differ:
 *
 * <pre>
 * theirs                                              ours
 * embeddings.weight [E, classes] (a linear map)       shared.weight [classes, E] (transposed)
 * generator.gen_z.{bias,weight_orig,weight_u,weight_v} gen_z.{bias,weight,weight_u,weight_v}
 * generator.layers.L.bn_k.{scale,offset}.*            blocks.K.bn_k.{gain,bias}.*
 * generator.layers.L.bn_k.running_{means,vars}        blocks.K.bn_k.bn.running_{means,vars}
 * generator.layers.L.conv_k.*                         blocks.K.conv_k.*
 * generator.layers.P.snconv1x1_{theta,phi,g,o_conv}.* attention.{theta,phi,g,o}.*
 * generator.layers.P.gamma [1]                        attention.gamma [] (reshaped)
 * generator.bn.{weight,bias,running_means,running_vars} output_bn.{gain,bias,running_means,running_vars}
 * generator.conv_to_rgb.*                             conv_to_rgb.*
 * </pre>
 *
 * L = K for blocks in front of the attention (K &lt; P) and K + 1 after it: their
 * {@code generator.layers} holds the attention at index P = {@code attention_layer_position}.
 * Spectral norm is PyTorch's built-in one on both sides in eval mode (sigma = u . W v with the
 * stored vectors), so {@code weight_u}/{@code weight_v} are copied and our {@code weight_sigma}
 * (a logged estimate) is computed from them at import; every spectral-normed layer must carry all
 * three of {@code weight_orig}, {@code weight_u}, {@code weight_v}.
 */
public final class HfBigGanDeepLayout {

    /** What a key of their file becomes. */
    public enum Kind {
        /** Copied unchanged. */
        COPY,
        /** Transposed: their bias-free linear class map [E, classes] is our table [classes, E]. */
        TRANSPOSE,
        /** Reshaped to our shape (attention gamma [1] to []). */
        RESHAPE
    }

    /**
     * One key their model has.
     *
     * @param shape  its shape in their file
     * @param ourKey the biggan4j tensor it fills
     */
    public record Expected(long[] shape, String ourKey, Kind kind) {
    }

    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");

    private HfBigGanDeepLayout() {
    }

    /**
     * Their keys with their shapes, in our state dict's order, from our generator's state-dict
     * shapes; {@code weight_sigma} has no counterpart (computed at import).
     *
     * @param attentionPosition their {@code attention_layer_position}
     */
    public static LinkedHashMap<String, Expected> expected(Map<String, long[]> ourShapes, int attentionPosition) {
        LinkedHashMap<String, Expected> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ourShapes.entrySet()) {
            String ours = e.getKey();
            long[] shape = e.getValue();
            if (ours.endsWith(".weight_sigma")) {
                continue;
            }
            if (ours.equals("shared.weight")) {
                out.put("embeddings.weight", new Expected(new long[] {shape[1], shape[0]}, ours, Kind.TRANSPOSE));
            } else if (ours.equals("attention.gamma")) {
                out.put("generator.layers." + attentionPosition + ".gamma", new Expected(new long[] {1}, ours, Kind.RESHAPE));
            } else {
                out.put(theirKey(ours, attentionPosition), new Expected(shape, ours, Kind.COPY));
            }
        }
        return out;
    }

    /** Their key for one of ours (other than the embedding and gamma). */
    static String theirKey(String ours, int attentionPosition) {
        int dot = ours.lastIndexOf('.');
        String module = ours.substring(0, dot);
        String leaf = ours.substring(dot + 1);
        if (leaf.equals("weight")) {
            leaf = "weight_orig"; // PyTorch's spectral norm keeps the raw weight as weight_orig
        }
        Matcher b = BLOCK.matcher(module);
        String theirModule;
        if (b.matches()) {
            int k = Integer.parseInt(b.group(1));
            String rest = b.group(2)
                    .replaceAll("^(bn_\\d)\\.gain$", "$1.scale")
                    .replaceAll("^(bn_\\d)\\.bias$", "$1.offset")
                    .replaceAll("^(bn_\\d)\\.bn$", "$1");
            theirModule = "generator.layers." + (k < attentionPosition ? k : k + 1) + "." + rest;
        } else if (module.startsWith("attention.")) {
            String conv = module.substring("attention.".length());
            theirModule = "generator.layers." + attentionPosition + ".snconv1x1_" + (conv.equals("o") ? "o_conv" : conv);
        } else if (module.equals("output_bn")) {
            theirModule = "generator.bn";
            leaf = switch (leaf) {
                case "gain" -> "weight";
                case "bias" -> "bias";
                default -> leaf;
            };
        } else if (module.equals("gen_z") || module.equals("conv_to_rgb")) {
            theirModule = "generator." + module;
        } else {
            throw new IllegalStateException("biggan4j's BigGAN-deep generator has tensor '" + ours
                    + "', which has no place in pytorch-pretrained-BigGAN's layout.");
        }
        return theirModule + "." + leaf;
    }

    /**
     * Checks a file's keys and shapes: every key of the file must be expected with the same
     * shape, and every expected key must be there.
     *
     * @param source    the file, for messages
     * @param generator describes the generator (its config and where it came from), for messages
     * @throws CheckpointException one line naming the first unknown, mis-shaped or missing key and both shapes
     */
    public static void check(Map<String, long[]> theirShapes, Map<String, Expected> expected, String source,
                             String generator) {
        for (Map.Entry<String, long[]> e : theirShapes.entrySet()) {
            String key = e.getKey();
            Expected want = expected.get(key);
            if (want == null) {
                String hint = key.endsWith(".weight") && expected.containsKey(key + "_orig")
                        ? " The file holds a normalised weight instead of weight_orig/weight_u/weight_v: it was "
                        + "saved without spectral norm, which this importer does not read."
                        : " Check that the folder holds a pytorch-pretrained-BigGAN BigGAN-deep model and that "
                        + "config.json belongs to it.";
                throw LayoutErrors.unexpected(source, key, e.getValue(), generator, hint);
            }
            if (!Arrays.equals(want.shape(), e.getValue())) {
                throw LayoutErrors.wrongShape(source, key, e.getValue(), want.shape(), generator, "config.json");
            }
        }
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            if (!theirShapes.containsKey(e.getKey())) {
                throw LayoutErrors.missing(source, e.getKey(), e.getValue().shape(), generator);
            }
        }
    }
}
