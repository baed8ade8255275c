package org.biggan4j.image;

/**
 * A decoded image as unsigned bytes in channel-major order ({@code [C, H, W]}), the layout
 * libtorch and the packed format use.
 *
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param height   rows
 * @param width    columns
 * @param chw      {@code channels * height * width} bytes, each 0..255 read as unsigned
 */
public record ImageBytes(int channels, int height, int width, byte[] chw) {

    public ImageBytes {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("An image has 1 or 3 channels, got " + channels + ".");
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("An image needs a positive size, got " + width + "x" + height + ".");
        }
        if (chw.length != channels * height * width) {
            throw new IllegalArgumentException("A " + channels + "x" + height + "x" + width + " image holds "
                    + channels * height * width + " bytes, got " + chw.length + ".");
        }
    }

    /** The unsigned value at channel {@code c}, row {@code y}, column {@code x}. */
    public int get(int c, int y, int x) {
        return chw[(c * height + y) * width + x] & 0xFF;
    }
}
