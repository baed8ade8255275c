package org.biggan4j.nn;

/**
 * What {@link Conv2d} and {@link ConvTranspose2d} share: a square kernel with the same stride and
 * padding along both spatial axes, as every architecture here uses them. The weight's layout and
 * the operation stay with each subclass.
 */
public abstract class SquareConvolution extends SpectralNormWeight {

    /** {@code {stride, stride}}, as libtorch's convolutions take it. */
    protected final long[] stride;
    /** {@code {padding, padding}}. */
    protected final long[] padding;

    protected SquareConvolution(long[] weightShape, long biasSize, int stride, int padding, LayerFactory factory) {
        super(weightShape, biasSize, factory);
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
    }
}
