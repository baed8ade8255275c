package org.biggan4j.sample;

import org.biggan4j.model.Generator;

import java.util.Locale;

/**
 * The distribution each latent component z_i is drawn from, independently (SPEC section 4;
 * BigGAN paper section 3.1 and appendix E, which compares these latents).
 *
 * <p>Textual forms, used by configs and the command line: {@code normal},
 * {@code truncated:THRESHOLD} (for example {@code truncated:0.5}), {@code scaled-truncated:T}, {@code uniform},
 * {@code bernoulli}, {@code censored}.
 */
public sealed interface LatentDistribution {

    /** N(0, 1): what BigGAN trains with. */
    record Normal() implements LatentDistribution {
        @Override
        public Kind kind() {
            return Kind.NORMAL;
        }

        @Override
        public String describe() {
            return "normal";
        }
    }

    /**
     * N(0, 1) restricted to [-threshold, threshold]: the truncation trick (BigGAN section 3.1).
     * Every component whose magnitude exceeds the threshold is resampled until none does, which
     * yields the truncated normal; z is NOT scaled. (The TF-Hub BigGAN-deep convention of
     * {@code truncnorm(-2, 2) * threshold} is a different distribution.) Lower thresholds trade
     * variety for fidelity; the sampling cost grows like 1 / threshold.
     *
     * @param threshold the bound on |z_i|; at least {@value #MIN_THRESHOLD}
     */
    record TruncatedNormal(double threshold) implements LatentDistribution {
        /** Below this the resampling would take ~1/threshold rounds for values that are all ~0 anyway. */
        public static final double MIN_THRESHOLD = 1e-3;

        public TruncatedNormal {
            if (!(threshold >= MIN_THRESHOLD) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("The truncation threshold must be a finite number >= "
                        + MIN_THRESHOLD + " (BigGAN sweeps 2.0 down to 0.04), got " + threshold + ".");
            }
        }

        @Override
        public Kind kind() {
            return Kind.TRUNCATED_NORMAL;
        }

        @Override
        public String describe() {
            return "truncated:" + threshold;
        }
    }

    /**
     * TF Hub's and pytorch-pretrained-BigGAN's truncation for BigGAN-deep
     * ({@code truncated_noise_sample}): {@code truncation * truncnorm(-2, 2)}, a normal restricted to
     * [-2, 2] and then scaled. The published BigGAN-deep models were tabulated for it (their
     * BatchNorm statistics are chosen by the same truncation).
     *
     * @param truncation the scale, in (0, 1]
     */
    record ScaledTruncatedNormal(double truncation) implements LatentDistribution {
        /** The bound of the unscaled normal. */
        public static final double BOUND = 2.0;

        public ScaledTruncatedNormal {
            if (!(truncation > 0 && truncation <= 1)) {
                throw new IllegalArgumentException("The TF Hub truncation must be in (0, 1], got " + truncation + ".");
            }
        }

        @Override
        public Kind kind() {
            return Kind.SCALED_TRUNCATED_NORMAL;
        }

        @Override
        public String describe() {
            return "scaled-truncated:" + truncation;
        }
    }

    /** U[-1, 1]. */
    record Uniform() implements LatentDistribution {
        @Override
        public Kind kind() {
            return Kind.UNIFORM;
        }

        @Override
        public String describe() {
            return "uniform";
        }
    }

    /** Bernoulli {0, 1} with p = 1/2. */
    record Bernoulli() implements LatentDistribution {
        @Override
        public Kind kind() {
            return Kind.BERNOULLI;
        }

        @Override
        public String describe() {
            return "bernoulli";
        }
    }

    /** max(N(0, 1), 0): the censored normal of BigGAN appendix E. */
    record CensoredNormal() implements LatentDistribution {
        @Override
        public Kind kind() {
            return Kind.CENSORED_NORMAL;
        }

        @Override
        public String describe() {
            return "censored";
        }
    }

    LatentDistribution NORMAL = new Normal();
    LatentDistribution UNIFORM = new Uniform();
    LatentDistribution BERNOULLI = new Bernoulli();
    LatentDistribution CENSORED_NORMAL = new CensoredNormal();

    /** The truncated normal with this threshold. */
    static LatentDistribution truncated(double threshold) {
        return new TruncatedNormal(threshold);
    }

    /** What the command line's truncation means: N(0, I) for 0 (none), else the truncated normal. */
    static LatentDistribution forTruncation(double threshold) {
        return threshold > 0 ? new TruncatedNormal(threshold) : NORMAL;
    }

    /**
     * What the command line's truncation means for {@code generator}: for one whose BatchNorm
     * statistics are indexed by truncation (an imported published BigGAN-deep), the TF Hub
     * convention {@link ScaledTruncatedNormal} (0 = none = 1); otherwise {@link #forTruncation}.
     */
    static LatentDistribution forTruncation(double threshold, Generator generator) {
        if (generator.truncationIndexedStatistics()) {
            return new ScaledTruncatedNormal(threshold == 0 ? 1.0 : threshold);
        }
        return forTruncation(threshold);
    }

    /** The family, for exhaustive switches (Java 17 has no pattern matching in switch). */
    enum Kind { NORMAL, TRUNCATED_NORMAL, SCALED_TRUNCATED_NORMAL, UNIFORM, BERNOULLI, CENSORED_NORMAL }

    /** The family of this distribution. */
    Kind kind();

    /** The textual form, which {@link #parse} reads back. */
    String describe();

    /**
     * Reads the textual form (case-insensitive): {@code normal}, {@code truncated:T},
     * {@code uniform}, {@code bernoulli} or {@code censored}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    static LatentDistribution parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("scaled-truncated:")) {
            try {
                return new ScaledTruncatedNormal(Double.parseDouble(t.substring("scaled-truncated:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("The truncation in '" + text
                        + "' is not a number; write for example scaled-truncated:0.4.");
            }
        }
        if (t.startsWith("truncated:")) {
            String value = t.substring("truncated:".length());
            try {
                return new TruncatedNormal(Double.parseDouble(value));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("The truncation threshold in '" + text
                        + "' is not a number; write for example truncated:0.5.");
            }
        }
        return switch (t) {
            case "normal" -> NORMAL;
            case "uniform" -> UNIFORM;
            case "bernoulli" -> BERNOULLI;
            case "censored" -> CENSORED_NORMAL;
            default -> throw new IllegalArgumentException("Unknown latent distribution '" + text
                    + "': use normal, truncated:THRESHOLD (for example truncated:0.5), uniform, bernoulli or censored.");
        };
    }
}
