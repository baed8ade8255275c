package org.biggan4j.checkpoint.imports;

import com.fasterxml.jackson.databind.JsonNode;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The constructor arguments of BigGAN-PyTorch's {@code BigGAN.Generator} (ajbrock/BigGAN-PyTorch)
 * that decide its architecture and eval-mode numerics, as far as biggan4j reproduces them.
 *
 * <p>Read from a {@code generator_args.json} ({@link #read}), where a missing key takes the
 * constructor's default, as {@code Generator(**config)} does; or, without one, inferred from the
 * state dict's shapes ({@link #infer}), with the epsilons of the project's ImageNet launch
 * scripts (BN 1e-5, SN 1e-6) and spectral norm on, which the shapes cannot tell.
 *
 * @param resolution  output side (32, 64, 128, 256 or 512)
 * @param ch          {@code G_ch}, the channel multiplier
 * @param dimZ        {@code dim_z}, already rounded down to a multiple of the z slots with hierarchical z
 * @param sharedDim   the shared embedding's width ({@code shared_dim}, or {@code dim_z} when that is 0);
 *                    0 without a shared embedding
 * @param hier        hierarchical z (one slot for the linear layer, one per block)
 * @param classes     {@code n_classes}
 * @param attention   feature-map resolutions with a self-attention block ({@code G_attn} "64_128" = [64, 128])
 * @param spectralNorm {@code G_param} "SN" (true) or "none"
 * @param bnEps       {@code BN_eps}
 * @param snEps       {@code SN_eps}
 */
public record BigGanPyTorchArgs(int resolution, int ch, int dimZ, int sharedDim, boolean hier, int classes,
                                List<Integer> attention, boolean spectralNorm, double bnEps, double snEps) {

    /** Epsilons of BigGAN-PyTorch's ImageNet launch scripts (launch_BigGAN_bs256x8.sh and friends). */
    public static final double LAUNCH_BN_EPS = 1e-5;
    public static final double LAUNCH_SN_EPS = 1e-6;

    private static final Set<String> KNOWN = Set.of("G_ch", "dim_z", "bottom_width", "resolution", "G_kernel_size",
            "G_attn", "n_classes", "num_G_SVs", "num_G_SV_itrs", "G_shared", "shared_dim", "hier", "cross_replica",
            "mybn", "G_activation", "G_lr", "G_B1", "G_B2", "adam_eps", "BN_eps", "SN_eps", "G_mixed_precision",
            "G_fp16", "G_init", "skip_init", "no_optim", "G_param", "norm_style");

    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(\\d+)\\..*");

    public BigGanPyTorchArgs {
        attention = List.copyOf(attention);
    }

    /** Whether the generator has a shared class embedding ({@code G_shared}). */
    public boolean shared() {
        return sharedDim > 0;
    }

    /**
     * Reads {@code generator_args.json}. Keys it lacks take the constructor's defaults; unknown
     * keys and settings biggan4j does not reproduce are one-line errors naming the key.
     */
    public static BigGanPyTorchArgs read(Path file) {
        JsonNode root = ImportJson.readObject(file, "BigGAN-PyTorch's generator_args.json (the arguments of "
                + "BigGAN.Generator: G_ch, dim_z, resolution, ...)");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KNOWN.contains(key)) {
                throw new CheckpointException(file + ": '" + ImportJson.shortened(key) + "' is not an argument of BigGAN-PyTorch's "
                        + "Generator; known: " + new TreeSet<>(KNOWN) + ".");
            }
        }
        Args a = new Args(root, file);
        // Settings that change the layout or the eval-mode numerics in ways not reproduced here.
        a.require("bottom_width", 4, a.integer("bottom_width", 4));
        a.require("G_kernel_size", 3, a.integer("G_kernel_size", 3));
        a.require("num_G_SVs", 1, a.integer("num_G_SVs", 1));
        a.require("norm_style", "bn", a.text("norm_style", "bn"));
        a.require("mybn", false, a.bool("mybn", false));
        a.require("cross_replica", false, a.bool("cross_replica", false));
        String activation = a.text("G_activation", "relu");
        if (!List.of("relu", "inplace_relu", "ir").contains(activation)) {
            throw new CheckpointException(file + ": G_activation '" + ImportJson.shortened(activation)
                    + "' is not supported; biggan4j's BigGAN uses ReLU (relu, inplace_relu or ir).");
        }
        String param = a.text("G_param", "SN");
        if (!param.equals("SN") && !param.equals("none")) {
            throw new CheckpointException(file + ": G_param '" + ImportJson.shortened(param) + "' is not supported: use SN or none.");
        }
        if (a.integer("num_G_SV_itrs", 1) < 1) {
            throw new CheckpointException(file + ": num_G_SV_itrs must be >= 1.");
        }
        int resolution = a.integer("resolution", 128);
        int slots = Integer.numberOfTrailingZeros(resolution) - 1; // blocks (4 px doubled up to the resolution) + 1
        if (Integer.bitCount(resolution) != 1 || resolution < 32 || resolution > 512) {
            throw new CheckpointException(file + ": resolution " + resolution
                    + " is not one of BigGAN-PyTorch's generators (32, 64, 128, 256, 512).");
        }
        boolean hier = a.bool("hier", false);
        int dimZ = a.integer("dim_z", 128);
        if (hier) {
            // BigGAN-PyTorch rounds dim_z down to a multiple of the slot count.
            dimZ = dimZ / slots * slots;
        }
        boolean shared = a.bool("G_shared", true);
        int sharedDim = a.integer("shared_dim", 0);
        if (shared && sharedDim <= 0) {
            sharedDim = a.integer("dim_z", 128); // the constructor's rule: shared_dim 0 means dim_z
        }
        if (!shared && hier) {
            throw new CheckpointException(file + ": hier without G_shared is not a working BigGAN-PyTorch "
                    + "configuration (its blocks would concatenate class ids with z).");
        }
        List<Integer> attention = new ArrayList<>();
        for (String item : a.text("G_attn", "64").split("_")) {
            try {
                int r = Integer.parseInt(item.trim());
                if (r > 0) {
                    attention.add(r);
                }
            } catch (NumberFormatException e) {
                throw new CheckpointException(file + ": G_attn '" + ImportJson.shortened(a.text("G_attn", "64"))
                        + "' must be resolutions joined by '_' (for example 64 or 0).", e);
            }
        }
        return new BigGanPyTorchArgs(resolution, a.integer("G_ch", 64), dimZ, shared ? sharedDim : 0, hier,
                a.integer("n_classes", 1000), attention, param.equals("SN"), a.number("BN_eps", 1e-5),
                a.number("SN_eps", 1e-12));
    }

    /**
     * Infers the arguments from a state dict's key shapes: the width from the output batch norm,
     * the resolution from the number of blocks, classes and embedding width from {@code shared},
     * hierarchical z from the conditional batch norms' input width, attention from the blocks
     * that have a second module. The epsilons cannot be seen in the weights: the launch scripts'
     * values are used.
     */
    public static BigGanPyTorchArgs infer(Map<String, long[]> shapes, String source) {
        long[] gain = shapes.get("output_layer.0.gain");
        long[] linear = shapes.get("linear.weight");
        TreeSet<Integer> blocks = new TreeSet<>();
        TreeSet<Integer> attentionBlocks = new TreeSet<>();
        for (String key : shapes.keySet()) {
            Matcher m = BLOCK.matcher(key);
            if (m.matches()) {
                if (m.group(1).length() > 2) {
                    throw new CheckpointException(source + ": key '" + ImportJson.shortened(key) + "' names block "
                            + ImportJson.shortened(m.group(1)) + ", beyond any BigGAN-PyTorch generator; the file is "
                            + "not one.");
                }
                int block = Integer.parseInt(m.group(1));
                blocks.add(block);
                if (m.group(2).equals("1")) {
                    attentionBlocks.add(block);
                }
            }
        }
        long[] bn = shapes.get("blocks.0.0.bn1.gain.weight");
        if (gain == null || linear == null || bn == null || blocks.isEmpty() || gain.length != 1 || linear.length != 2
                || bn.length != 2 || blocks.last() != blocks.size() - 1) {
            throw new CheckpointException(source + " does not look like a BigGAN-PyTorch generator (it lacks "
                    + "output_layer.0.gain, linear.weight or blocks.0.0.bn1.gain.weight): give --config "
                    + "generator_args.json, or check that this is G.pth / G_ema.pth.");
        }
        int n = blocks.size();
        if (n > 7) {
            throw new CheckpointException(source + ": has " + n + " generator blocks; BigGAN-PyTorch's generators have "
                    + "3 to 7 (32 to 512 px); give --config generator_args.json or check the file.");
        }
        // Shapes come from the file: a dimension is checked before it is narrowed to an int.
        for (String key : List.of("output_layer.0.gain", "linear.weight", "blocks.0.0.bn1.gain.weight",
                "shared.weight")) {
            long[] shape = shapes.get(key);
            for (int i = 0; shape != null && i < shape.length; i++) {
                if (shape[i] < 1 || shape[i] > (1 << 20)) {
                    throw new CheckpointException(source + ": tensor '" + key + "' has shape "
                            + Arrays.toString(shape) + ", outside any BigGAN-PyTorch generator (every "
                            + "dimension 1 to " + (1 << 20) + "); the file is damaged or not a generator.");
                }
            }
        }
        int resolution = 4 << n;
        long[] embedding = shapes.get("shared.weight");
        boolean shared = embedding != null && embedding.length == 2;
        int classes;
        int sharedDim;
        boolean hier;
        int dimZ;
        if (shared) {
            classes = (int) embedding[0];
            sharedDim = (int) embedding[1];
            int chunk = (int) (bn[1] - sharedDim);
            if (chunk < 0) {
                throw new CheckpointException(source + ": blocks.0.0.bn1.gain.weight " + Arrays.toString(bn)
                        + " is narrower than the shared embedding " + Arrays.toString(embedding)
                        + "; the file is damaged or not a BigGAN-PyTorch generator.");
            }
            hier = chunk > 0;
            dimZ = hier ? chunk * (n + 1) : (int) linear[1];
        } else {
            classes = (int) bn[0];
            sharedDim = 0;
            hier = false;
            dimZ = (int) linear[1];
        }
        List<Integer> attention = attentionBlocks.stream().map(b -> 8 << b).toList();
        // Spectral norm on, whether or not the file kept its u0 buffers: every launch script trains
        // with G_param SN, and a G_param none generator cannot be told apart by its shapes.
        return new BigGanPyTorchArgs(resolution, (int) gain[0], dimZ, sharedDim, hier, classes, attention,
                true, LAUNCH_BN_EPS, LAUNCH_SN_EPS);
    }

    /**
     * The biggan4j configuration whose generator is this one: the {@code biggan-128} defaults
     * for everything that does not shape G (so the checkpoint can be fine-tuned with the paper's
     * settings), with the model section set from these arguments.
     */
    public TrainConfig config() {
        List<String> overrides = List.of(
                "model.architecture=biggan",
                "model.resolution=" + resolution,
                "model.ch=" + ch,
                "model.classes=" + classes,
                "model.conditional=" + (classes > 0),
                "model.latent_dim=" + dimZ,
                "model.shared_embedding_dim=" + sharedDim,
                "model.hierarchical_z=" + hier,
                "model.attention=" + attention,
                "model.image_channels=3",
                "model.spectral_norm_g=" + spectralNorm,
                "model.bn_eps=" + String.format(Locale.ROOT, "%s", bnEps),
                "model.sn_eps=" + String.format(Locale.ROOT, "%s", snEps));
        return ConfigLoader.load("biggan-128", overrides);
    }

    /** Typed reads of the JSON with the constructor's defaults for missing keys. */
    private record Args(JsonNode root, Path file) {
        int integer(String key, int fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            // Sizes stay far above the published models (G_ch 96, 1000 classes) but low enough that
            // the generator's channel arithmetic (up to 16 x G_ch) cannot overflow 32 bits.
            if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0 || v.intValue() > (1 << 20)) {
                throw new CheckpointException(file + ": " + key + " must be an integer from 0 to " + (1 << 20)
                        + ", got " + ImportJson.shortened(v) + "; give BigGAN.Generator's argument.");
            }
            return v.intValue();
        }

        double number(String key, double fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isNumber() || !(v.doubleValue() > 0) || !Double.isFinite(v.doubleValue())) {
                throw new CheckpointException(file + ": " + key + " must be a positive finite number, got "
                        + ImportJson.shortened(v) + ".");
            }
            return v.doubleValue();
        }

        boolean bool(String key, boolean fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw new CheckpointException(file + ": " + key + " must be true or false, got "
                        + ImportJson.shortened(v) + ".");
            }
            return v.booleanValue();
        }

        String text(String key, String fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isTextual() && !v.isNumber()) {
                throw new CheckpointException(file + ": " + key + " must be a string, got " + ImportJson.shortened(v)
                        + ".");
            }
            return v.isTextual() ? v.textValue() : v.asText();
        }

        void require(String key, Object supported, Object value) {
            if (!supported.equals(value)) {
                throw new CheckpointException(file + ": " + key + " = " + ImportJson.shortened(value) + " is not supported by the "
                        + "importer (only " + supported + ", as in BigGAN-PyTorch's ImageNet launch scripts).");
            }
        }
    }

    @Override
    public String toString() {
        return "BigGAN-PyTorch generator " + resolution + " px, G_ch " + ch + ", dim_z " + dimZ
                + (shared() ? ", shared_dim " + sharedDim : ", no shared embedding") + (hier ? ", hier" : "")
                + ", " + classes + " classes, attention " + attention + (spectralNorm ? ", SN" : "")
                + ", BN_eps " + bnEps + ", SN_eps " + snEps;
    }
}
