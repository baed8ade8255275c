package org.biggan4j.data;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

/**
 * The packed dataset file: decoded, preprocessed images ready to be memory-mapped, so training
 * never decodes a JPEG (SPEC section 6: decoding every step is too slow at scale).
 *
 * <pre>
 * offset 0   8 bytes   magic "BG4JPACK"
 * offset 8   4 bytes   header length L, little-endian int32
 * offset 12  L bytes   UTF-8 JSON {@link PackedHeader}, padded with spaces
 * dataOffset           count images, uint8 CHW [C, R, R] each, one after another
 * </pre>
 *
 * {@code dataOffset} is a multiple of {@link #ALIGNMENT} at or after {@code 12 + L}, and the file
 * ends exactly after the last image; readers check both.
 */
public final class PackedFormat {

    /** The first eight bytes of every packed file. */
    public static final byte[] MAGIC = "BG4JPACK".getBytes(StandardCharsets.US_ASCII);
    /** The format version this code writes and the newest it reads. */
    public static final int VERSION = 1;
    /** Images start at a page boundary, which mapping and direct reads like. */
    public static final int ALIGNMENT = 4096;
    /** Magic plus the header length field. */
    static final int PREAMBLE = MAGIC.length + 4;
    /** File name extension used by the CLI's examples. */
    public static final String EXTENSION = ".bgpack";

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private PackedFormat() {
    }

    static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
