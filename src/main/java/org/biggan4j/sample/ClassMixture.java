package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A soft class: weights over the classes, whose class embedding is the same mixture of class
 * embeddings ({@code --classes 207:0.5,409:0.5}). pytorch-pretrained-BigGAN takes any float class
 * vector this way; our generators with a shared embedding do the same ({@link
 * org.biggan4j.model.Generator#forwardSoft}). Weights are used as given: they need not sum to 1,
 * though mixtures that do stay where the generator was trained.
 *
 * @param weights one weight per class
 */
public record ClassMixture(double[] weights) {

    public ClassMixture {
        weights = weights.clone();
    }

    /**
     * Reads {@code id:weight,id:weight,...}; empty when the text has no weights (plain ids, see
     * {@link ClassSelection}).
     */
    public static Optional<ClassMixture> parse(String text, int classCount) {
        if (text == null || !text.contains(":")) {
            return Optional.empty();
        }
        if (classCount == 0) {
            throw new IllegalArgumentException("This generator is unconditional: leave out --classes.");
        }
        double[] w = new double[classCount];
        double sum = 0;
        for (String token : text.split(",")) {
            String[] parts = token.trim().split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("'" + token.trim() + "' is not id:weight: a class mixture is written "
                        + "207:0.5,409:0.5, every class with its weight.");
            }
            int id;
            double weight;
            try {
                id = Integer.parseInt(parts[0].trim());
                weight = Double.parseDouble(parts[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + token.trim() + "' is not id:weight with a class id and a number.");
            }
            if (id < 0 || id >= classCount) {
                throw new IllegalArgumentException("Class id " + id + " is out of range: this generator has classes 0 to "
                        + (classCount - 1) + ".");
            }
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("The weight of class " + id + " must be a finite number >= 0, got "
                        + parts[1].trim() + ".");
            }
            if (w[id] != 0) {
                throw new IllegalArgumentException("Class " + id + " appears twice in the mixture " + text + ".");
            }
            w[id] = weight;
            sum += weight;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("The mixture " + text + " has no weight: give some class a weight > 0.");
        }
        return Optional.of(new ClassMixture(w));
    }

    /**
     * {@code [n, classes]} float32 rows of these weights on {@code device}, in the caller's scope:
     * one row broadcast n times (no copy), so 50,000 samples of a 1000-class mixture cost one row.
     */
    public Tensor rows(int n, ComputeDevice device) {
        return Tensors.fromDoubles(weights, device, 1, weights.length)
                .to(torch.ScalarType.Float).expand(n, weights.length);
    }

    /** For reports and labels: {@code 207:0.5+409:0.5}, using the class names when given. */
    public String describe(ClassNames names) {
        List<String> parts = new ArrayList<>();
        for (int c = 0; c < weights.length; c++) {
            if (weights[c] != 0) {
                parts.add(String.format(Locale.ROOT, "%s %s", names.label(c), trim(weights[c])));
            }
        }
        return String.join(" + ", parts);
    }

    private static String trim(double w) {
        return BigDecimal.valueOf(w).stripTrailingZeros().toPlainString();
    }
}
