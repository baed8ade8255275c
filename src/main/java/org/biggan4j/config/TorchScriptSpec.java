package org.biggan4j.config;

import java.util.Locale;

/**
 * How to feed a user's TorchScript feature network and which of its outputs to read. The images
 * the evaluation hands over are [B, C, H, W] in [-1, 1] at the generator's resolution; this
 * record says how they become the network's input and how its outputs become features [B, D] and
 * logits [B, K].
 *
 * <p>The network itself is a TorchScript file, which is code that runs with this process's rights
 * when it is loaded and called: see {@code eval.torchscript.TorchScriptFeatures} (its SHA-256
 * is logged and recorded with every result; named, not linked, because eval is a room above).
 *
 * <p>For torchvision's Inception v3 as FID uses it: input 299, {@link Resize#BILINEAR},
 * {@link Normalisation#IMAGENET}, 3 channels, a module returning {@code (pool3, logits)} read with
 * feature output 0 and logits output 1.
 *
 * @param inputSize     side H = W of the network's input; images of another size are resized
 * @param resize        how images reach {@code inputSize}
 * @param normalisation the value range the network was trained on
 * @param channels      channels the network reads: 1 or 3 (grey images are repeated to 3)
 * @param featureOutput which element of a tuple (or list) output holds the features; 0 also
 *                      selects a single tensor output
 * @param logitsOutput  which element holds the class logits; -1 for none (no Inception Score
 *                      or class accuracy)
 * @param poolSpatial   whether 4-D outputs [B, D, h, w] are averaged over h and w (for example a
 *                      [B, 2048, 1, 1] pool3); when false such an output is an error
 */
public record TorchScriptSpec(int inputSize, Resize resize, Normalisation normalisation, int channels,
                              int featureOutput, int logitsOutput, boolean poolSpatial) {

    /** Largest input side accepted; larger is almost surely a typo and would exhaust memory. */
    public static final int MAX_INPUT_SIZE = 2048;

    /** How images are resized to the network's input side. */
    public enum Resize {
        /** Bilinear interpolation without corner alignment, as pytorch-fid's {@code F.interpolate}. */
        BILINEAR,
        /** Area averaging ({@code adaptive_avg_pool2d}, PyTorch's {@code mode='area'}). */
        AREA
    }

    /** The input range a network was trained on; images arrive in [-1, 1]. */
    public enum Normalisation {
        /** [-1, 1] as is (networks trained on GAN-style inputs). */
        MINUS_ONE_ONE,
        /** [0, 1]: {@code (x + 1) / 2}. */
        ZERO_ONE,
        /**
         * torchvision's ImageNet normalisation: {@code ((x + 1) / 2 - mean) / std} per channel,
         * mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). Needs 3 channels.
         */
        IMAGENET;

        private static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
        private static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

        /** ImageNet channel means (torchvision's {@code transforms.Normalize}); a fresh copy. */
        public static double[] imagenetMean() {
            return IMAGENET_MEAN.clone();
        }

        /** ImageNet channel standard deviations; a fresh copy. */
        public static double[] imagenetStd() {
            return IMAGENET_STD.clone();
        }

        /** The option spelling: {@code minus-one-one}, {@code zero-one}, {@code imagenet}. */
        public String optionName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses {@link #optionName()} (case-insensitive, '_' or '-'). */
        public static Normalisation parse(String text) {
            for (Normalisation n : values()) {
                if (n.optionName().equalsIgnoreCase(text.replace('_', '-'))) {
                    return n;
                }
            }
            throw new IllegalArgumentException("Unknown normalisation '" + text
                    + "': use minus-one-one, zero-one or imagenet.");
        }
    }

    public TorchScriptSpec {
        if (inputSize < 1 || inputSize > MAX_INPUT_SIZE) {
            throw new IllegalArgumentException("The feature network's input size must be 1 to " + MAX_INPUT_SIZE
                    + " pixels, got " + inputSize + " (Inception v3 reads 299).");
        }
        if (resize == null || normalisation == null) {
            throw new IllegalArgumentException("A TorchScript feature spec needs a resize mode and a normalisation.");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("A feature network reads 1 or 3 channels, got " + channels + ".");
        }
        if (normalisation == Normalisation.IMAGENET && channels != 3) {
            throw new IllegalArgumentException("ImageNet normalisation has per-channel RGB constants and needs "
                    + "3 channels, got " + channels + "; use zero-one or minus-one-one for a 1-channel network.");
        }
        if (featureOutput < 0) {
            throw new IllegalArgumentException("The feature output index must be 0 or more, got " + featureOutput + ".");
        }
        if (logitsOutput < -1) {
            throw new IllegalArgumentException("The logits output index must be -1 (none) or more, got "
                    + logitsOutput + ".");
        }
    }

    /**
     * Inception v3 as FID uses it: 299 px, bilinear, ImageNet normalisation, 3 channels, features
     * from output 0 and logits from output 1.
     */
    public static TorchScriptSpec inceptionV3() {
        return new TorchScriptSpec(299, Resize.BILINEAR, Normalisation.IMAGENET, 3, 0, 1, true);
    }

    /**
     * Parses the comma-separated {@code key=value} form used in configurations, for example
     * {@code input=32,normalise=minus-one-one,channels=1,logits=-1}; keys not given keep
     * Inception v3's values ({@link #inceptionV3()}), and an empty text is Inception v3. Keys:
     * {@code input}, {@code resize} (bilinear|area), {@code normalise} (minus-one-one|zero-one|imagenet),
     * {@code channels}, {@code features}, {@code logits} (-1 = none), {@code pool} (mean|none); the
     * same as {@link #canonical()} writes, so a canonical form parses back to an equal spec.
     *
     * @throws IllegalArgumentException naming the unknown key or bad value
     */
    public static TorchScriptSpec parse(String text) {
        TorchScriptSpec d = inceptionV3();
        if (text == null || text.isBlank()) {
            return d;
        }
        int input = d.inputSize();
        Resize resize = d.resize();
        Normalisation normalisation = d.normalisation();
        int channels = d.channels();
        int features = d.featureOutput();
        int logits = d.logitsOutput();
        boolean pool = d.poolSpatial();
        for (String part : text.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("Feature network spec '" + text + "': '" + p + "' is not key=value "
                        + "(keys input, resize, normalise, channels, features, logits, pool).");
            }
            String key = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = p.substring(eq + 1).trim();
            String lower = value.toLowerCase(Locale.ROOT);
            try {
                switch (key) {
                    case "input" -> input = Integer.parseInt(value);
                    case "resize" -> resize = switch (lower) {
                        case "bilinear" -> Resize.BILINEAR;
                        case "area" -> Resize.AREA;
                        default -> throw new IllegalArgumentException("Feature network spec '" + text
                                + "': resize must be bilinear or area, got '" + value + "'.");
                    };
                    case "normalise", "normalize" -> normalisation = Normalisation.parse(value);
                    case "channels" -> channels = Integer.parseInt(value);
                    case "features" -> features = Integer.parseInt(value);
                    case "logits" -> logits = Integer.parseInt(value);
                    case "pool" -> pool = switch (lower) {
                        case "mean" -> true;
                        case "none" -> false;
                        default -> throw new IllegalArgumentException("Feature network spec '" + text
                                + "': pool must be mean or none, got '" + value + "'.");
                    };
                    default -> throw new IllegalArgumentException("Feature network spec '" + text + "': unknown key '"
                            + key + "' (use input, resize, normalise, channels, features, logits, pool).");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Feature network spec '" + text + "': " + key
                        + " must be a whole number, got '" + value + "'.", e);
            }
        }
        // Built once at the end, so that the keys may come in any order (channels=1 before normalise=...).
        return new TorchScriptSpec(input, resize, normalisation, channels, features, logits, pool);
    }

    /** True when the network has a classification head. */
    public boolean hasLogits() {
        return logitsOutput >= 0;
    }

    public TorchScriptSpec withInputSize(int size) {
        return new TorchScriptSpec(size, resize, normalisation, channels, featureOutput, logitsOutput, poolSpatial);
    }

    public TorchScriptSpec withResize(Resize r) {
        return new TorchScriptSpec(inputSize, r, normalisation, channels, featureOutput, logitsOutput, poolSpatial);
    }

    public TorchScriptSpec withNormalisation(Normalisation n) {
        return new TorchScriptSpec(inputSize, resize, n, channels, featureOutput, logitsOutput, poolSpatial);
    }

    public TorchScriptSpec withChannels(int c) {
        return new TorchScriptSpec(inputSize, resize, normalisation, c, featureOutput, logitsOutput, poolSpatial);
    }

    public TorchScriptSpec withOutputs(int features, int logits) {
        return new TorchScriptSpec(inputSize, resize, normalisation, channels, features, logits, poolSpatial);
    }

    public TorchScriptSpec withPoolSpatial(boolean pool) {
        return new TorchScriptSpec(inputSize, resize, normalisation, channels, featureOutput, logitsOutput, pool);
    }

    /** A stable one-line form, part of the reference-cache key and of reports. */
    public String canonical() {
        return "input=" + inputSize + ",resize=" + resize.name().toLowerCase(Locale.ROOT) + ",normalise="
                + normalisation.optionName() + ",channels=" + channels + ",features=" + featureOutput + ",logits="
                + logitsOutput + ",pool=" + (poolSpatial ? "mean" : "none");
    }
}
