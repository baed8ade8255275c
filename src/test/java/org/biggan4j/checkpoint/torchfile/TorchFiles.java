package org.biggan4j.checkpoint.torchfile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes small {@code torch.save} files by hand, byte for byte as torch does (protocol 2
 * pickles, zip or legacy container), so tests can give any field any value: negative or
 * overflowing sizes, strides and offsets, nesting bombs, foreign globals.
 */
public final class TorchFiles {

    private TorchFiles() {
    }

    /** A protocol-2 pickle, opcode by opcode. */
    public static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Pickle() {
            out.write(0x80);
            out.write(2);
        }

        public Pickle op(char opcode) {
            out.write(opcode);
            return this;
        }

        public Pickle op(int opcode) {
            out.write(opcode);
            return this;
        }

        public Pickle global(String module, String name) {
            return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        public Pickle string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            return op('X').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array())
                    .raw(utf8);
        }

        /** An int: BININT when it fits 32 bits, else LONG1 (any size, two's complement). */
        public Pickle integer(BigInteger v) {
            if (v.bitLength() < 32) {
                return op('J').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v.intValue()).array());
            }
            byte[] be = v.toByteArray();
            byte[] le = new byte[be.length];
            for (int i = 0; i < be.length; i++) {
                le[i] = be[be.length - 1 - i];
            }
            return op(0x8a).op(le.length).raw(le);
        }

        public Pickle integer(long v) {
            return integer(BigInteger.valueOf(v));
        }

        public Pickle tuple(long... values) {
            op('(');
            for (long v : values) {
                integer(v);
            }
            return op('t');
        }

        public Pickle raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        public byte[] stop() {
            out.write('.');
            return out.toByteArray();
        }
    }

    /** A view of a float32 storage, as {@code _rebuild_tensor_v2} receives it. */
    public record View(String key, String storage, long storageNumel, long offset, long[] size, long[] stride) {
    }

    /** {@code OrderedDict([(key, _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()))...])}. */
    public static byte[] stateDict(View... views) {
        Pickle p = new Pickle().global("collections", "OrderedDict").op(')').op('R').op('(');
        for (View v : views) {
            p.string(v.key()).global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').string("storage").global("torch", "FloatStorage").string(v.storage()).string("cpu")
                    .integer(v.storageNumel()).op('t').op('Q');
            p.integer(v.offset()).tuple(v.size()).tuple(v.stride()).op(0x89)
                    .global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        }
        return p.op('u').stop();
    }

    /** Little-endian float32 bytes 0, 1, 2, ... n - 1. */
    public static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i);
        }
        return b.array();
    }

    /** The zip container of torch 1.6+: archive/data.pkl, archive/data/KEY, archive/version. */
    public static byte[] zip(byte[] pickle, Map<String, byte[]> storages, boolean deflate) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            entry(zip, "archive/data.pkl", pickle, deflate);
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                entry(zip, "archive/data/" + e.getKey(), e.getValue(), deflate);
            }
            entry(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII), deflate);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data, boolean deflate) throws IOException {
        ZipEntry e = new ZipEntry(name);
        if (!deflate) {
            CRC32 crc = new CRC32();
            crc.update(data);
            e.setMethod(ZipEntry.STORED);
            e.setSize(data.length);
            e.setCompressedSize(data.length);
            e.setCrc(crc.getValue());
        }
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /**
     * The legacy container of torch 1.5 and earlier: magic, protocol 1001, system info, the
     * pickle, the list of storage keys, then each storage's int64 element count and bytes.
     */
    public static byte[] legacy(byte[] pickle, Map<String, byte[]> storages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new Pickle().integer(new BigInteger("1950a86a20f9469cfc6c", 16)).stop());
        out.writeBytes(new Pickle().integer(1001).stop());
        out.writeBytes(new Pickle().op('}').op('(').string("little_endian").op(0x88).op('u').stop());
        out.writeBytes(pickle);
        Pickle keys = new Pickle().op(']').op('(');
        storages.keySet().forEach(keys::string);
        out.writeBytes(keys.op('e').stop());
        for (byte[] data : storages.values()) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length / 4).array());
            out.writeBytes(data);
        }
        return out.toByteArray();
    }

    public static Path write(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(bytes);
        }
        return file;
    }
}
