package org.biggan4j.io;

import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) and {@code .npz}
 * archives of them, to and from libtorch tensors and Java arrays.
 *
 * <p>Supported: little-endian, C-order arrays of the {@link NpyDtype} types, including
 * zero-dimensional arrays. Refused with a one-line message naming the file and the fix:
 * Fortran order, big-endian data, object arrays (which would need unpickling: never done),
 * structured dtypes, truncated data and trailing bytes. Every write is atomic
 * ({@link AtomicFiles}). Headers are written as NumPy does: version 1.0 (2.0 only when the header
 * exceeds 65,535 bytes), padded with spaces to a multiple of 64 bytes and ended by a newline.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int CHUNK = 1 << 26;
    /** NumPy's headers are a few hundred bytes; a megabyte leaves room for any honest one. */
    private static final long MAX_HEADER = 1 << 20;
    /** NumPy caps arrays at 64 dimensions. */
    private static final int MAX_DIMS = 64;
    /** Deflate cannot expand data by more than about 1032:1 (RFC 1951's longest match per code). */
    private static final long MAX_DEFLATE_RATIO = 1032;
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    // ----------------------------------------------------------------------------------- reading

    /**
     * Reads only the header of {@code file}: dtype and shape, without the data. The header is
     * checked against the file's size and {@link InputLimits} as {@link #read} checks it, so a
     * shape from here is one the file really holds.
     */
    public static NpyHeader readHeader(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            String name = file.toString();
            NpyHeader h = parseHeader(ch, name, ch.size());
            checkSize(name, h, ch.size());
            return h;
        }
    }

    /** Reads {@code file} onto the Java heap (up to 2 GiB of data). */
    public static NpyArray readArray(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            String name = file.toString();
            NpyHeader h = parseHeader(ch, name, ch.size());
            checkSize(name, h, ch.size());
            return readData(ch, h, name);
        }
    }

    /**
     * Reads {@code file} into a new tensor of the matching dtype on {@code device}. The data goes
     * from the file straight into native memory (no heap copy, no 2 GiB limit).
     */
    public static Tensor read(Path file, ComputeDevice device) throws IOException {
        requireLittleEndianHost();
        try (FileChannel ch = open(file)) {
            String name = file.toString();
            NpyHeader h = parseHeader(ch, name, ch.size());
            checkSize(name, h, ch.size());
            long bytes = h.dataBytes();
            MemoryBudget.physical(name, "the array " + h, bytes);
            Tensor cpu = torch.empty(h.shape(), ComputeDevice.CPU.options(h.dtype().scalarType()), null);
            if (bytes > 0) {
                BytePointer base = new BytePointer(cpu.data_ptr()).capacity(bytes);
                for (long off = 0; off < bytes; off += CHUNK) {
                    long end = Math.min(bytes, off + CHUNK);
                    ByteBuffer dst = base.position(off).limit(end).asByteBuffer();
                    readFully(ch, dst, name, h, off);
                }
            }
            return device.type().equals("cpu") ? cpu : cpu.to(device.torchDevice(), h.dtype().scalarType());
        }
    }

    /**
     * Reads every {@code .npy} member of a {@code .npz} archive (as written by {@code np.savez} or
     * {@code np.savez_compressed}), keyed by member name without the {@code .npy} suffix, in
     * archive order.
     *
     * <p>A member is sized from the archive's directory and its own header before anything is
     * allocated: the two must agree, a deflated member cannot claim more than deflate can produce
     * from its compressed bytes (about 1032:1), and the data must fit {@link InputLimits} and the
     * heap. A member that inflates past its header's promise is refused after one extra byte, so a
     * zip bomb costs a few kilobytes.
     */
    public static Map<String, NpyArray> readNpz(Path file) throws IOException {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        long fileSize = Files.size(file);
        try (ZipFile zip = openZip(file)) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                String name = file + "[" + oneLine(e.getName()) + "]";
                long declared = e.getSize();
                long compressed = e.getCompressedSize();
                if (compressed > fileSize) {
                    throw BadInputException.of(name, "the member claims " + compressed + " compressed bytes but the"
                            + " archive holds " + fileSize, "the archive is truncated or damaged: re-create it with np.savez");
                }
                if (e.getMethod() == ZipEntry.DEFLATED && compressed >= 0 && declared > compressed * MAX_DEFLATE_RATIO + 1024) {
                    throw BadInputException.of(name, "the member claims to inflate from " + compressed + " to " + declared
                            + " bytes, more than deflate can produce", "the archive is damaged or hostile (a zip bomb):"
                            + " re-create it with np.savez");
                }
                try (InputStream in = zip.getInputStream(e); ReadableByteChannel ch = Channels.newChannel(in)) {
                    NpyHeader h = parseHeader(ch, name, declared);
                    if (declared >= 0 && declared != h.dataOffset() + h.dataBytes()) {
                        throw BadInputException.of(name, "the archive says the member holds " + declared + " bytes but"
                                + " its header describes " + (h.dataOffset() + h.dataBytes()) + " (" + h + ")",
                                "the archive is damaged: re-create it with np.savez");
                    }
                    NpyArray a = readData(ch, h, name);
                    if (ch.read(ByteBuffer.allocate(1)) > 0) {
                        throw BadInputException.of(name, "the member has bytes after the " + h.dataBytes()
                                + " data bytes its header promises", "the archive is corrupt: re-create it with np.savez");
                    }
                    out.put(e.getName().substring(0, e.getName().length() - 4), a);
                } catch (ZipException | EOFException z) {
                    // Inflater and CRC failures: damage inside the archive, not an I/O fault of the machine.
                    throw BadInputException.of(name, "the member cannot be inflated (" + firstLine(z) + ")",
                            "the archive is truncated or damaged: re-create it with np.savez");
                }
            }
        }
        return out;
    }

    // ----------------------------------------------------------------------------------- writing

    /** Writes {@code array} to {@code file} atomically. */
    public static void write(Path file, NpyArray array) throws IOException {
        byte[] header = encodeHeader(array.dtype(), array.shape());
        AtomicFiles.writeChannel(file, ch -> {
            writeFully(ch, ByteBuffer.wrap(header));
            writeFully(ch, ByteBuffer.wrap(array.data()));
        });
    }

    /**
     * Writes {@code tensor} (any device and layout; its dtype must be one of {@link NpyDtype}'s)
     * to {@code file} atomically, in C order. The data goes from native memory to the file.
     */
    public static void write(Path file, Tensor tensor) throws IOException {
        requireLittleEndianHost();
        NpyDtype dtype = NpyDtype.of(tensor.scalar_type());
        Tensor c = tensor.detach().cpu().contiguous();
        long[] shape = new long[(int) c.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = c.size(i);
        }
        byte[] header = encodeHeader(dtype, shape);
        long bytes = c.nbytes();
        AtomicFiles.writeChannel(file, ch -> {
            writeFully(ch, ByteBuffer.wrap(header));
            if (bytes > 0) {
                BytePointer base = new BytePointer(c.data_ptr()).capacity(bytes);
                for (long off = 0; off < bytes; off += CHUNK) {
                    writeFully(ch, base.position(off).limit(Math.min(bytes, off + CHUNK)).asByteBuffer());
                }
            }
        });
    }

    /**
     * Writes a {@code .npz} archive (stored, uncompressed, like {@code np.savez}) atomically;
     * member {@code key} becomes {@code key.npy}, readable by {@code np.load(file)[key]}.
     */
    public static void writeNpz(Path file, Map<String, NpyArray> arrays) throws IOException {
        for (String key : arrays.keySet()) {
            if (key.isEmpty() || key.contains("/") || key.contains("\\")) {
                throw new IllegalArgumentException("An .npz member name must be a plain non-empty name, got '" + key + "'.");
            }
        }
        AtomicFiles.writeChannel(file, ch -> {
            OutputStream raw = Channels.newOutputStream(ch);
            ZipOutputStream zip = new ZipOutputStream(raw);
            for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                byte[] bytes = encode(e.getValue());
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(bytes.length);
                entry.setCompressedSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
        });
    }

    /** The complete {@code .npy} encoding of {@code array} (header and data). */
    public static byte[] encode(NpyArray array) {
        byte[] header = encodeHeader(array.dtype(), array.shape());
        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + array.data().length);
        out.writeBytes(header);
        out.writeBytes(array.data());
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------- internals

    /** The header bytes NumPy would write for this dtype and shape. */
    static byte[] encodeHeader(NpyDtype dtype, long[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append(shape.length == 1 ? ",)" : ")");
        String dict = "{'descr': '" + dtype.descr() + "', 'fortran_order': False, 'shape': " + s + ", }";
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        int version = text.length + 1 + 10 > 65535 ? 2 : 1;
        int prefix = MAGIC.length + 2 + (version == 1 ? 2 : 4);
        int total = prefix + text.length + 1;
        int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
        int headerLen = padded - prefix;
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(text);
        while (b.position() < padded - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    /**
     * Parses the header from the current position of {@code ch}, leaving it at the first data byte.
     * Sizes are checked in 64-bit arithmetic and the header against {@code available}, the bytes the
     * file or archive member holds ({@code -1} when unknown), before anything is allocated.
     */
    static NpyHeader parseHeader(ReadableByteChannel ch, String name, long available) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(MAGIC.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        if (!fill(ch, pre) || !Arrays.equals(Arrays.copyOf(pre.array(), MAGIC.length), MAGIC)) {
            throw BadInputException.of(name, "not a NumPy .npy file (it lacks the \\x93NUMPY magic)",
                    "save arrays with np.save");
        }
        int major = pre.get(6) & 0xff;
        if (major < 1 || major > 3) {
            throw BadInputException.of(name, ".npy format version " + major + "." + (pre.get(7) & 0xff)
                    + ", which biggan4j does not read", "re-save it with np.save (versions 1.0 to 3.0 are read)");
        }
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (!fill(ch, len)) {
            throw truncatedHeader(name);
        }
        long headerLen = major == 1 ? len.getShort(0) & 0xffff : len.getInt(0) & 0xffffffffL;
        long offset = MAGIC.length + 2 + len.capacity() + headerLen;
        if (available >= 0 && offset > available) {
            throw BadInputException.of(name, "truncated: its header claims " + headerLen + " bytes but the file holds "
                    + available, "re-create or re-download the file");
        }
        if (headerLen > MAX_HEADER) {
            throw BadInputException.of(name, "a .npy header of " + headerLen + " bytes (NumPy writes a few "
                    + "hundred)", "the file is corrupt: re-create it with np.save");
        }
        ByteBuffer text = ByteBuffer.allocate((int) headerLen);
        if (!fill(ch, text)) {
            throw truncatedHeader(name);
        }
        String dict = new String(text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Matcher fortran = FORTRAN.matcher(dict);
        Matcher shape = SHAPE.matcher(dict);
        Matcher descr = DESCR.matcher(dict);
        if (!descr.find()) {
            if (dict.contains("descr") && dict.contains("[")) {
                throw BadInputException.of(name, "a structured (record) array; biggan4j reads plain numeric arrays"
                        + " only", "save each field as its own array");
            }
            throw BadInputException.of(name, "a .npy header without a 'descr' entry", "the file is corrupt");
        }
        if (!fortran.find() || !shape.find()) {
            throw BadInputException.of(name, "a .npy header without 'fortran_order' or 'shape'", "the file is corrupt");
        }
        NpyDtype dtype = NpyDtype.parse(descr.group(1), name);
        if (fortran.group(1).equals("True")) {
            throw BadInputException.of(name, "stored in Fortran (column-major) order; biggan4j reads C order",
                    "re-save it with np.save(path, np.ascontiguousarray(arr))");
        }
        long[] dims = parseShape(shape.group(1), name);
        // Checked before NpyHeader multiplies them: a forged shape must not overflow into a small size.
        long count = BoundedReads.product(name, "the element count of shape " + Arrays.toString(dims), dims);
        long bytes = BoundedReads.multiply(name, "the data size of shape " + Arrays.toString(dims), count,
                dtype.itemSize());
        InputLimits.check(name, "an array of " + MemoryBudget.bytes(bytes) + " (" + dtype.descr() + " "
                + Arrays.toString(dims) + ")", bytes, InputLimits.current().tensorBytes(), "tensor_bytes");
        return new NpyHeader(dtype, dims, offset);
    }

    /** The dimensions of a header's shape tuple, refusing anything but non-negative integers. */
    private static long[] parseShape(String tuple, String name) {
        List<Long> dims = new ArrayList<>();
        for (String part : tuple.split(",", -1)) {
            String p = part.strip();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);   // Python 2 longs
            }
            if (p.isEmpty()) {
                continue;
            }
            long d;
            try {
                d = Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw BadInputException.of(name, "an unreadable shape '(" + abbreviate(tuple) + ")' in its header"
                        + " (sizes must be integers below 2^63)", "the file is corrupt");
            }
            if (d < 0) {
                throw BadInputException.of(name, "a negative size " + d + " in its shape '(" + abbreviate(tuple)
                        + ")'", "the file is corrupt");
            }
            if (dims.size() == MAX_DIMS) {
                throw BadInputException.of(name, "a shape of more than " + MAX_DIMS + " dimensions",
                        "the file is corrupt");
            }
            dims.add(d);
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static NpyArray readData(ReadableByteChannel ch, NpyHeader h, String name) throws IOException {
        long bytes = h.dataBytes();
        if (bytes > BoundedReads.MAX_ARRAY) {
            throw BadInputException.of(name, MemoryBudget.bytes(bytes) + " of data (" + h
                    + "), too many for a Java array", "read it as a tensor with Npy.read(path, device)");
        }
        MemoryBudget.heap(name, "the array " + h, bytes);
        ByteBuffer data = ByteBuffer.allocate((int) bytes);
        readFully(ch, data, name, h, 0);
        return new NpyArray(h.dtype(), h.shape(), data.array());
    }

    private static void readFully(ReadableByteChannel ch, ByteBuffer dst, String name, NpyHeader h, long before)
            throws IOException {
        while (dst.hasRemaining()) {
            if (ch.read(dst) < 0) {
                throw truncated(name, h, before + dst.position());
            }
        }
    }

    /** The file must hold exactly the data its header promises: checked before anything is allocated. */
    private static void checkSize(String name, NpyHeader h, long fileSize) {
        long available = fileSize - h.dataOffset();
        if (available < h.dataBytes()) {
            throw truncated(name, h, Math.max(0, available));
        }
        if (available > h.dataBytes()) {
            throw BadInputException.of(name, (available - h.dataBytes()) + " bytes after the " + h.dataBytes()
                    + " its header promises (" + h + ")", "the file is corrupt: re-create it with np.save");
        }
    }

    private static BadInputException truncated(String name, NpyHeader h, long got) {
        return BadInputException.of(name, "truncated: its header promises " + h.dataBytes() + " data bytes (" + h
                + ") but only " + got + " follow", "re-create or re-download the file");
    }

    private static BadInputException truncatedHeader(String name) {
        return BadInputException.of(name, "truncated inside its .npy header", "re-create or re-download the file");
    }

    /** At most 60 characters of a header fragment, on one line, for messages. */
    static String abbreviate(String s) {
        String one = oneLine(s);
        return one.length() <= 60 ? one : one.substring(0, 57) + "...";
    }

    /** {@code s} with line breaks and other control characters shown as spaces: messages are one line. */
    static String oneLine(String s) {
        return s.replaceAll("\\p{Cntrl}+", " ");
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        return m.lines().findFirst().orElse(t.getClass().getSimpleName());
    }

    private static boolean fill(ReadableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file; check the path");
        }
    }

    private static ZipFile openZip(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file; check the path");
        }
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw BadInputException.of(file, "not a readable .npz (zip) archive (" + firstLine(e) + ")",
                    "save statistics with np.savez or biggan4j");
        }
    }

    /** Tensor memory is in host byte order; .npy is little-endian. Every platform the presets ship for is. */
    static void requireLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("biggan4j's .npy I/O needs a little-endian host.");
        }
    }
}
