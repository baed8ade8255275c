package org.biggan4j.checkpoint.imports;

import org.biggan4j.checkpoint.CheckpointException;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The correspondence between BigGAN-PyTorch's generator state dict and biggan4j's
 * {@link org.biggan4j.model.biggan.BigGanGenerator} with the same arguments. The architectures
 * are the same; the names differ:
 *
 * <pre>
 * theirs                                  ours
 * shared.weight                           shared.weight
 * linear.{weight,bias,u0,sv0}             linear.{weight,bias,weight_u,-}
 * blocks.K.0.{conv1,conv2,conv_sc}.*      blocks.K.{conv1,conv2,conv_sc}.*
 * blocks.K.0.bnI.{gain,bias}.*            blocks.K.bnI.{gain,bias}.*
 * blocks.K.0.bnI.stored_{mean,var}        blocks.K.bnI.bn.running_{mean,var}
 * blocks.K.1.{theta,phi,g,o}.*, gamma     attention.K.{theta,phi,g,o}.*, gamma
 * output_layer.0.{gain,bias}              output_bn.{gain,bias}
 * output_layer.0.stored_{mean,var}        output_bn.running_{mean,var}
 * output_layer.2.*                        output_conv.*
 * </pre>
 *
 * Spectral norm: their {@code u0} [1, out] becomes our {@code weight_u}, {@code weight_v} and
 * {@code weight_sigma} by one power step at import (see {@link BigGanPyTorchImporter}); a file
 * may lack every u0 (parameters only), but not some of them. Their {@code sv0} [1] only logs
 * sigma during training, is optional (converted TF Hub files lack it) and is dropped. Our {@code num_batches} counters have no counterpart.
 */
public final class BigGanPyTorchLayout {

    /** What a key of their file becomes. */
    public enum Kind {
        /** Copied to {@code ourKey} unchanged. */
        COPY,
        /** The spectral-norm vector u0 [1, out] of the layer whose weight is {@code ourKey}. */
        SN_U,
        /** The logged singular value, optional and dropped. */
        SN_SV
    }

    /**
     * One key BigGAN-PyTorch's generator has.
     *
     * @param shape    its shape in their file
     * @param ourKey   the biggan4j tensor it fills (for SN_U / SN_SV: the layer's {@code weight})
     * @param required whether a file without it is an error (for u0: when the file has any u0)
     */
    public record Expected(long[] shape, String ourKey, Kind kind, boolean required) {
    }

    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");
    private static final Pattern ATTENTION = Pattern.compile("attention\\.(\\d+)\\.(.+)");

    private BigGanPyTorchLayout() {
    }

    /**
     * Their keys, in our state dict's order, with the shapes a BigGAN-PyTorch generator of the
     * same architecture has, from our generator's state-dict shapes.
     */
    public static LinkedHashMap<String, Expected> expected(Map<String, long[]> ourShapes) {
        LinkedHashMap<String, Expected> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ourShapes.entrySet()) {
            String ours = e.getKey();
            int dot = ours.lastIndexOf('.');
            String module = ours.substring(0, dot);
            String leaf = ours.substring(dot + 1);
            switch (leaf) {
                case "weight_u" -> {
                    String theirModule = theirModule(module, ours);
                    out.put(theirModule + ".u0", new Expected(new long[] {1, e.getValue()[0]}, module + ".weight",
                            Kind.SN_U, true));
                    out.put(theirModule + ".sv0", new Expected(new long[] {1}, module + ".weight", Kind.SN_SV, false));
                }
                case "weight_v", "weight_sigma", "num_batches" -> {
                    // derived at import
                }
                case "running_mean", "running_var" -> {
                    // Our conditional BN keeps its statistics in a child "bn"; theirs on the cBN itself.
                    String statsModule = module.endsWith(".bn") ? module.substring(0, module.length() - 3) : module;
                    String theirLeaf = leaf.equals("running_mean") ? "stored_mean" : "stored_var";
                    out.put(theirModule(statsModule, ours) + "." + theirLeaf,
                            new Expected(e.getValue(), ours, Kind.COPY, true));
                }
                default -> out.put(theirModule(module, ours) + "." + leaf,
                        new Expected(e.getValue(), ours, Kind.COPY, true));
            }
        }
        return out;
    }

    /** Their module path for one of ours. */
    static String theirModule(String ours, String key) {
        Matcher b = BLOCK.matcher(ours);
        if (b.matches()) {
            return "blocks." + b.group(1) + ".0." + b.group(2);
        }
        Matcher a = ATTENTION.matcher(ours);
        if (a.matches()) {
            return "blocks." + a.group(1) + ".1." + a.group(2);
        }
        if (ours.matches("attention\\.\\d+")) {
            return "blocks." + ours.substring("attention.".length()) + ".1";
        }
        return switch (ours) {
            case "shared", "linear" -> ours;
            case "output_bn" -> "output_layer.0";
            case "output_conv" -> "output_layer.2";
            default -> throw new IllegalStateException("biggan4j's BigGAN generator has tensor '" + key
                    + "', which has no place in BigGAN-PyTorch's layout.");
        };
    }

    /**
     * Checks a file's keys and shapes against what the generator needs: every key of the file
     * must be expected with the same shape, and every required key must be there.
     *
     * @param source    the file, for messages
     * @param generator describes the generator (its arguments and where they came from), for messages
     * @throws CheckpointException one line naming the first unknown, mis-shaped or missing key and the shapes
     */
    public static void check(Map<String, long[]> theirShapes, Map<String, Expected> expected, String source,
                             String generator) {
        for (Map.Entry<String, long[]> e : theirShapes.entrySet()) {
            String key = e.getKey();
            Expected want = expected.get(key);
            if (want == null) {
                String hint = key.contains(".bn.stored_") || key.endsWith("accumulation_counter")
                        ? " It looks like a generator trained with --mybn, whose statistics layout is not supported."
                        : key.matches(".*\\.(u|sv)[1-9]\\d*") ? " It looks like num_G_SVs > 1, which is not supported."
                        : " Check that the file is a generator and that the arguments fit it.";
                throw LayoutErrors.unexpected(source, key, e.getValue(), generator, hint);
            }
            if (!Arrays.equals(want.shape(), e.getValue())) {
                throw LayoutErrors.wrongShape(source, key, e.getValue(), want.shape(), generator, "the arguments");
            }
        }
        // The u0 buffers are all there or all absent (a file of parameters only); a few missing is damage.
        boolean snBuffers = theirShapes.keySet().stream().anyMatch(k -> k.endsWith(".u0"));
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            boolean required = e.getValue().required() && (snBuffers || e.getValue().kind() != Kind.SN_U);
            if (required && !theirShapes.containsKey(e.getKey())) {
                throw LayoutErrors.missing(source, e.getKey(), e.getValue().shape(), generator);
            }
        }
    }
}
