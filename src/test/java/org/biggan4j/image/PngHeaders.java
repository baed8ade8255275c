package org.biggan4j.image;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/** Crafted PNG headers for the tests of hostile images. */
public final class PngHeaders {

    private PngHeaders() {
    }

    /**
     * {@code png} with the IHDR's width, height and colour type replaced (bit depth 8) and its CRC
     * recomputed, so the decoder believes the new size.
     */
    public static byte[] withIhdr(byte[] png, int width, int height, int colourType) {
        byte[] b = png.clone();
        ByteBuffer buf = ByteBuffer.wrap(b);
        // Signature (8), length (4), "IHDR" (4), then width, height, bit depth, colour type, ...;
        // the CRC covers the type and the 13 data bytes.
        buf.putInt(16, width).putInt(20, height).put(24, (byte) 8).put(25, (byte) colourType);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 4 + 13);
        buf.putInt(29, (int) crc.getValue());
        return b;
    }
}
