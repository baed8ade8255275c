package org.biggan4j.io;

import java.util.Locale;

/**
 * Ceilings every reader checks before it allocates anything, Java or native, for what a file
 * asks for. A 2 KB file must not be able to make the process take the machine: sizes, shapes,
 * strides, offsets and nesting are computed in 64-bit checked arithmetic and compared with the
 * file's real size and with these limits first (issue 19).
 *
 * <p>Defaults sit well above any real use (the published BigGAN-deep 512 has about 56 M
 * parameters in G; ImageNet's largest photographs are some 60 M pixels). A user with a larger
 * real input raises one with a Java system property, for example
 * {@code BIGGAN4J_JAVA_OPTS="-Dbiggan4j.limit.model_parameters=4000000000"}; every refusal names
 * the property to raise.
 *
 * @param tensorBytes     bytes of one tensor or array read from a file
 * @param entryBytes      bytes one archive entry (zip member, blob, manifest) may inflate to
 * @param imagePixels     pixels of one decoded image (width x height)
 * @param nestingDepth    nesting of containers in pickles, JSON and YAML
 * @param modelParameters parameters of a model built from a checkpoint's or preset's config
 * @param featureDim      width of a feature vector (its covariance is dim^2 doubles)
 * @param textBytes       bytes of a text file read whole (labels, configs, manifests, headers)
 */
public record InputLimits(long tensorBytes, long entryBytes, long imagePixels, int nestingDepth,
                          long modelParameters, long featureDim, long textBytes) {

    /** The system-property prefix for raising a limit: {@code biggan4j.limit.<name>}. */
    public static final String PREFIX = "biggan4j.limit.";

    /** The built-in defaults. */
    public static final InputLimits DEFAULTS = new InputLimits(
            16L << 30,       // 16 GiB: larger than any published GAN weight
            16L << 30,       // 16 GiB inflated per entry (Java byte arrays stop at 2 GiB anyway)
            1L << 28,        // 268 M pixels (16384 x 16384)
            512,             // far deeper than any real state dict or config
            2_000_000_000L,  // 2 G parameters, 8 GB of float32
            16_384,          // Inception's pool3 is 2,048
            64L << 20);      // 64 MiB of text

    public InputLimits {
        if (tensorBytes <= 0 || entryBytes <= 0 || imagePixels <= 0 || nestingDepth <= 0
                || modelParameters <= 0 || featureDim <= 0 || textBytes <= 0) {
            throw new IllegalArgumentException("Input limits must be positive.");
        }
    }

    /** The limits in force: the defaults, each overridable by {@code -Dbiggan4j.limit.<name>=N}. */
    public static InputLimits current() {
        return new InputLimits(
                property("tensor_bytes", DEFAULTS.tensorBytes),
                property("entry_bytes", DEFAULTS.entryBytes),
                property("image_pixels", DEFAULTS.imagePixels),
                (int) Math.min(Integer.MAX_VALUE, property("nesting_depth", DEFAULTS.nestingDepth)),
                property("model_parameters", DEFAULTS.modelParameters),
                property("feature_dim", DEFAULTS.featureDim),
                property("text_bytes", DEFAULTS.textBytes));
    }

    /**
     * Refuses {@code value} above {@code limit}, naming the file, the quantity and the property
     * that raises the limit.
     *
     * @param what for example "a tensor of 2^40 bytes"; the sentence reads "{file}: {what} is over
     *             the limit of N"
     */
    public static void check(Object file, String what, long value, long limit, String name) {
        if (value > limit) {
            throw BadInputException.of(file, what + " is over the limit of " + human(limit),
                    "if the file is genuine, raise the limit with -D" + PREFIX + name + "=N (in BIGGAN4J_JAVA_OPTS)");
        }
    }

    /** A count with a readable unit, for messages. */
    public static String human(long n) {
        if (n >= 1L << 30 && n % (1L << 20) == 0) {
            return String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static long property(String name, long fallback) {
        String v = System.getProperty(PREFIX + name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            long parsed = (long) Double.parseDouble(v.strip());
            if (parsed <= 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new BadInputException("-D" + PREFIX + name + "=" + v + " is not a positive number; give a count such as 1000000000.");
        }
    }
}
