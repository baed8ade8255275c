package org.biggan4j.io.tensorboard;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing (TensorFlow {@code tensorflow/core/lib/io/record_writer.cc}): each record is
 * <pre>
 *   uint64 length            little-endian
 *   uint32 masked_crc32c(length bytes)
 *   byte   data[length]
 *   uint32 masked_crc32c(data)
 * </pre>
 * The CRC is CRC32C (Castagnoli, {@link CRC32C} in the JDK), masked as in
 * {@code tensorflow/core/lib/hash/crc32c.h}: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}.
 * TensorFlow masks because a CRC of data that itself embeds CRCs is weak; readers check both CRCs.
 */
public final class TfRecords {

    /** The constant TensorFlow adds after rotating the CRC right by 15 bits. */
    static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {
    }

    /** The masked CRC32C of {@code data[offset .. offset + length)}. */
    public static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /** Writes {@code data} to {@code out} as one record (does not flush). */
    public static void write(OutputStream out, byte[] data) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(maskedCrc32c(header.array(), 0, 8));
        out.write(header.array());
        out.write(data);
        ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(maskedCrc32c(data, 0, data.length));
        out.write(footer.array());
    }
}
