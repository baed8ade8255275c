package org.biggan4j.model;

/**
 * A saturating tally of layers' parameter elements, named after the layers that own them
 * ({@code nn.LayerFactory}'s convolutions, linear maps and embeddings, batch norms, attention).
 */
public final class ParameterCount {

    private long total;

    /** {@code a + b}, or {@link Long#MAX_VALUE} when it overflows; both non-negative. */
    public static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** {@code a * b}, or {@link Long#MAX_VALUE} when it overflows; both non-negative. */
    public static long times(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    private ParameterCount plus(long n) {
        total = add(total, n);
        return this;
    }

    /** A {@code k x k} convolution (also a transposed one): weight {@code [out, in, k, k]}, optional bias. */
    public ParameterCount conv(long in, long out, int kernel, boolean bias) {
        return plus(times(times(out, in), (long) kernel * kernel)).plus(bias ? out : 0);
    }

    public ParameterCount linear(long in, long out, boolean bias) {
        return plus(times(out, in)).plus(bias ? out : 0);
    }

    public ParameterCount embedding(long count, long dim) {
        return plus(times(count, dim));
    }

    /** BatchNorm's gain and bias (its statistics are buffers). */
    public ParameterCount affineBatchNorm(long channels) {
        return plus(times(2, channels));
    }

    /** Conditional BatchNorm whose gain and bias are bias-free linear maps of a vector. */
    public ParameterCount conditionalBatchNormLinear(long channels, long conditionDim) {
        return linear(conditionDim, channels, false).linear(conditionDim, channels, false);
    }

    /** Conditional BatchNorm whose gain and bias are class embeddings. */
    public ParameterCount conditionalBatchNormEmbedding(long channels, long classes) {
        return embedding(classes, channels).embedding(classes, channels);
    }

    /** {@code nn.SelfAttention}: theta, phi (C/8), g (C/2), o (back to C), 1x1 without bias, and gamma. */
    public ParameterCount selfAttention(long channels) {
        return conv(channels, channels / 8, 1, false).conv(channels, channels / 8, 1, false)
                .conv(channels, channels / 2, 1, false).conv(channels / 2, channels, 1, false).plus(1);
    }

    public long total() {
        return total;
    }
}
