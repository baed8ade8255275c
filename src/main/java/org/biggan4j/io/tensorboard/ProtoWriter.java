package org.biggan4j.io.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format (proto3, https://protobuf.dev/programming-guides/encoding/) for the
 * few field types an event file uses: varints (int32, int64, enums), 64-bit doubles, 32-bit
 * floats, length-delimited strings, bytes, nested messages and packed repeated doubles. A field
 * is a key {@code (number << 3) | wire type} followed by its value; proto3 readers take absent
 * fields as their defaults, so callers may skip zeros.
 */
final class ProtoWriter {

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter int64(int field, long value) {
        key(field, VARINT);
        varint(value);
        return this;
    }

    ProtoWriter float64(int field, double value) {
        key(field, FIXED64);
        fixed64(Double.doubleToRawLongBits(value));
        return this;
    }

    ProtoWriter float32(int field, float value) {
        key(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter bytes(int field, byte[] value) {
        key(field, LENGTH_DELIMITED);
        varint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A packed repeated double: one length-delimited field holding the 8-byte values. */
    ProtoWriter packedDoubles(int field, double[] values) {
        key(field, LENGTH_DELIMITED);
        varint(8L * values.length);
        for (double v : values) {
            fixed64(Double.doubleToRawLongBits(v));
        }
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void key(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    /** Base-128, least significant group first; negative int64s take ten bytes, as protobuf writes them. */
    private void varint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void fixed64(long bits) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)));
        }
    }
}
