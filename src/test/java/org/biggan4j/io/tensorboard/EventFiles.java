package org.biggan4j.io.tensorboard;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An event-file reader written for the tests, independent of the production writer: its own
 * bitwise CRC32C (not java.util.zip.CRC32C), its own TFRecord framing checks and its own
 * protobuf decoder, following TensorFlow's event.proto, summary.proto and record_reader.cc.
 * Any framing or checksum error fails with an AssertionError naming the record.
 */
public final class EventFiles {

    /** One decoded Event. */
    public record Event(double wallTime, long step, String fileVersion, Long sessionStatus, List<Value> values) {
    }

    /** One Summary.Value: exactly one of simpleValue, image and histogram is set. */
    public record Value(String tag, Float simpleValue, Image image, Histogram histogram) {
    }

    /** Summary.Image. */
    public record Image(long height, long width, long colorspace, byte[] encoded) {
    }

    /** HistogramProto. */
    public record Histogram(double min, double max, double num, double sum, double sumSquares, double[] bucketLimit,
                            double[] bucket) {
    }

    private EventFiles() {
    }

    /** CRC32C, bit by bit: reflected Castagnoli polynomial 0x82F63B78, initial and final XOR ~0. */
    public static int crc32c(byte[] data, int offset, int length) {
        int crc = 0xFFFFFFFF;
        for (int i = offset; i < offset + length; i++) {
            crc ^= data[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    /** TensorFlow's mask: rotate right by 15 bits, add 0xa282ead8. */
    public static int mask(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }

    /** The payloads of a TFRecord file, with both CRCs of every record checked. */
    public static List<byte[]> records(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        while (in.hasRemaining()) {
            int at = in.position();
            check(in.remaining() >= 12, "record " + out.size() + ": a header needs 12 bytes");
            long length = in.getLong();
            int lengthCrc = in.getInt();
            check(lengthCrc == mask(crc32c(all, at, 8)), "record " + out.size() + ": the length's CRC is wrong");
            check(length >= 0 && length + 4 <= in.remaining(), "record " + out.size() + ": cut short");
            byte[] data = new byte[(int) length];
            in.get(data);
            int dataCrc = in.getInt();
            check(dataCrc == mask(crc32c(data, 0, data.length)), "record " + out.size() + ": the data's CRC is wrong");
            out.add(data);
        }
        return out;
    }

    /** Every Event of a file, in order. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] record : records(file)) {
            Map<Integer, List<Object>> f = fields(record);
            List<Value> values = new ArrayList<>();
            if (f.containsKey(5)) {
                for (Object v : fields(bytes(f, 5)).getOrDefault(1, List.of())) {
                    values.add(value(fields((byte[]) v)));
                }
            }
            Long status = f.containsKey(7) ? varint(fields(bytes(f, 7)), 1, 0) : null;
            events.add(new Event(Double.longBitsToDouble(varint(f, 1, 0)), varint(f, 2, 0),
                    f.containsKey(3) ? new String(bytes(f, 3), StandardCharsets.UTF_8) : null, status, values));
        }
        return events;
    }

    private static Value value(Map<Integer, List<Object>> f) {
        String tag = new String(bytes(f, 1), StandardCharsets.UTF_8);
        Float simple = f.containsKey(2) ? Float.intBitsToFloat(((Long) f.get(2).get(0)).intValue()) : null;
        Image image = null;
        if (f.containsKey(4)) {
            Map<Integer, List<Object>> i = fields(bytes(f, 4));
            image = new Image(varint(i, 1, 0), varint(i, 2, 0), varint(i, 3, 0), bytes(i, 4));
        }
        Histogram histogram = null;
        if (f.containsKey(5)) {
            Map<Integer, List<Object>> h = fields(bytes(f, 5));
            histogram = new Histogram(dbl(h, 1), dbl(h, 2), dbl(h, 3), dbl(h, 4), dbl(h, 5), packed(h, 6), packed(h, 7));
        }
        return new Value(tag, simple, image, histogram);
    }

    /** Decodes one message level: field number to its values (Long for varint/fixed, byte[] for length-delimited). */
    static Map<Integer, List<Object>> fields(byte[] message) {
        Map<Integer, List<Object>> out = new LinkedHashMap<>();
        int[] pos = {0};
        while (pos[0] < message.length) {
            long key = readVarint(message, pos);
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            Object value = switch (type) {
                case 0 -> readVarint(message, pos);
                case 1 -> littleEndian(message, pos, 8);
                case 5 -> littleEndian(message, pos, 4);
                case 2 -> {
                    int n = (int) readVarint(message, pos);
                    byte[] b = Arrays.copyOfRange(message, pos[0], pos[0] + n);
                    pos[0] += n;
                    yield b;
                }
                default -> throw new AssertionError("wire type " + type + " of field " + field + " is not used here");
            };
            out.computeIfAbsent(field, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }

    private static long littleEndian(byte[] b, int[] pos, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (b[pos[0] + i] & 0xFF) << (8 * i);
        }
        pos[0] += n;
        return v;
    }

    private static long varint(Map<Integer, List<Object>> f, int field, long absent) {
        return f.containsKey(field) ? (Long) f.get(field).get(0) : absent;
    }

    private static double dbl(Map<Integer, List<Object>> f, int field) {
        return Double.longBitsToDouble(varint(f, field, 0));
    }

    private static byte[] bytes(Map<Integer, List<Object>> f, int field) {
        return (byte[]) f.get(field).get(0);
    }

    private static double[] packed(Map<Integer, List<Object>> f, int field) {
        if (!f.containsKey(field)) {
            return new double[0];
        }
        ByteBuffer b = ByteBuffer.wrap(bytes(f, field)).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getDouble();
        }
        return out;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
