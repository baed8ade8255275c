package org.biggan4j.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {@code {dtype, shape, data_offsets}} (plus an optional string map
 * {@code __metadata__}), then the raw little-endian bytes. Reading it parses JSON and copies
 * bytes, so a file can never execute code.
 *
 * <p>Written here rather than taken from a library because the format is a page long and the
 * Java libraries that read it come bundled with whole inference frameworks.
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Upper bound on the header, as the reference implementation enforces, against hostile files. */
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    /** Tensors in file order, and the string metadata. */
    public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private SafeTensors() {
    }

    /** Serialises {@code tensors} (any device; copied to CPU) with {@code metadata}. */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        LinkedHashMap<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        List<Tensor> cpu = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue().detach().cpu().contiguous();
            cpu.add(t);
            long bytes = t.nbytes();
            LinkedHashMap<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", dtypeName(Tensors.dtype(t), e.getKey()));
            entry.put("shape", Tensors.shape(t));
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // The format pads the header with spaces to a multiple of 8 so the data is aligned.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(len.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        byte[] buffer = new byte[1 << 20];
        for (Tensor t : cpu) {
            BytePointer p = new BytePointer(t.data_ptr());
            long n = t.nbytes();
            for (long pos = 0; pos < n; pos += buffer.length) {
                int chunk = (int) Math.min(buffer.length, n - pos);
                p.position(pos).get(buffer, 0, chunk);
                out.write(buffer, 0, chunk);
            }
        }
        out.flush();
    }

    /** Serialises to a byte array. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, tensors, metadata);
        } catch (IOException e) {
            throw new IllegalStateException("Writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads a safetensors file from disk: its size is checked against the Java array limit and
     * {@link InputLimits#entryBytes()} before a byte is read, so a sparse multi-GB file is refused
     * instead of filling the heap.
     *
     * @throws CheckpointException naming the file when it is missing, too large or not a valid file
     */
    public static Contents read(Path file, ComputeDevice device) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot be read (" + e.getClass().getSimpleName() + " "
                    + firstLine(e.getMessage()) + "); check the path and its permissions.", e);
        }
        if (size > InputLimits.current().entryBytes()) {
            throw new CheckpointException(BadInputException.of(file, "a safetensors file of " + InputLimits.human(size)
                    + " bytes is over the limit of " + InputLimits.human(InputLimits.current().entryBytes()),
                    "if the file is genuine, raise the limit with -D" + InputLimits.PREFIX + "entry_bytes=N")
                    .getMessage());
        }
        if (size > BoundedReads.MAX_ARRAY) {
            throw new CheckpointException(file + ": a safetensors file over 2 GiB cannot be read in one piece; "
                    + "split it into smaller files.");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = BoundedReads.readAll(in, size, file, "the file", "entry_bytes");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot be read (" + firstLine(e.getMessage())
                    + "); check the file.", e);
        }
        return read(bytes, device, file.toString());
    }

    /**
     * Parses a safetensors file held in {@code bytes}; tensors are created on {@code device}.
     *
     * <p>Nothing is allocated for a tensor until the whole header has been checked: the header
     * length against the file, the JSON's nesting, every dtype, shape and offset pair in checked
     * 64-bit arithmetic, and the offsets as the reference implementation requires them (sorted,
     * they tile the data section exactly, with no overlap and no gap).
     *
     * @param source names the file in error messages
     * @throws CheckpointException naming {@code source} when the bytes are not a valid file
     */
    public static Contents read(byte[] bytes, ComputeDevice device, String source) {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        long dataStart;
        try {
            dataStart = parseHeader(bytes, source, entries, metadata);
        } catch (CheckpointException e) {
            throw e;
        } catch (BadInputException e) {
            // Sizes refused by BoundedReads and InputLimits: the same line, as the checkpoint error it is.
            throw new CheckpointException(e.getMessage(), e);
        }
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            Tensor cpu = torch.empty(e.shape, ComputeDevice.CPU.options(e.dtype), null);
            if (e.bytes > 0) {
                new BytePointer(cpu.data_ptr()).put(bytes, (int) (dataStart + e.begin), (int) e.bytes);
            }
            tensors.put(e.name, device.type().equals("cpu") ? cpu : cpu.to(device.torchDevice(), e.dtype));
        }
        return new Contents(tensors, metadata);
    }

    /** A checked header entry: nothing in it can overflow or reach outside the data section. */
    private record Entry(String name, ScalarType dtype, long[] shape, long begin, long bytes) {
    }

    /** Validates the header into {@code entries} and {@code metadata}; returns where the data starts. */
    private static long parseHeader(byte[] bytes, String source, List<Entry> entries, Map<String, String> metadata) {
        if (bytes.length < 8) {
            throw new CheckpointException(source + " is not a safetensors file: it has only " + bytes.length
                    + " bytes, fewer than the 8-byte header length; the file is truncated or of another format.");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > bytes.length - 8L) {
            throw new CheckpointException(source + " is not a valid safetensors file: header length "
                    + headerLength + " does not fit in its " + bytes.length + " bytes; the file is truncated or corrupt.");
        }
        InputLimits.check(source, "a safetensors header of " + InputLimits.human(headerLength) + " bytes",
                headerLength, Math.min(MAX_HEADER, InputLimits.current().textBytes()), "text_bytes");
        JsonNode header;
        try {
            header = jsonReader().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (StreamConstraintsException e) {
            throw new CheckpointException(source + ": the safetensors header nests deeper than the limit of "
                    + InputLimits.current().nestingDepth() + "; the file is corrupt or hostile (raise -D"
                    + InputLimits.PREFIX + "nesting_depth=N only for a genuine file).", e);
        } catch (IOException e) {
            throw new CheckpointException(source + ": the safetensors header is not valid JSON ("
                    + firstLine(e.getMessage()) + "); the file is truncated or corrupt.", e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(source + ": the safetensors header is not a JSON object; the file is corrupt.");
        }
        long dataStart = 8 + headerLength;
        long dataLength = bytes.length - dataStart;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                metadata(f.getValue(), source, metadata);
            } else {
                entries.add(entry(f.getKey(), f.getValue(), dataLength, source));
            }
        }
        checkTiling(entries, dataLength, source);
        return dataStart;
    }

    private static void metadata(JsonNode value, String source, Map<String, String> metadata) {
        if (!value.isObject()) {
            throw new CheckpointException(source + ": __metadata__ is not a map of strings; the file is corrupt.");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = value.fields(); m.hasNext(); ) {
            Map.Entry<String, JsonNode> kv = m.next();
            if (!kv.getValue().isTextual()) {
                throw new CheckpointException(source + ": __metadata__ value '" + shortened(kv.getKey())
                        + "' is not a string; the file is corrupt.");
            }
            metadata.put(kv.getKey(), kv.getValue().textValue());
        }
    }

    private static Entry entry(String name, JsonNode value, long dataLength, String source) {
        String tensor = "tensor '" + shortened(name) + "'";
        String where = source + ": " + tensor;
        if (!value.isObject()) {
            throw new CheckpointException(where + " is not a tensor description {dtype, shape, data_offsets}; "
                    + "the file is corrupt.");
        }
        JsonNode dtypeNode = value.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(where + " has no dtype string; the file is corrupt.");
        }
        ScalarType dtype = scalarType(dtypeNode.textValue(), name, source);
        long[] shape = longs(value.get("shape"), "shape", where, -1);
        long[] offsets = longs(value.get("data_offsets"), "data_offsets", where, 2);
        long numel = BoundedReads.product(source, tensor + ": the element count of shape " + Arrays.toString(shape),
                shape);
        long expected = BoundedReads.multiply(source, tensor + ": the byte size", numel, itemSize(dtype));
        InputLimits.check(source, tensor + " of " + InputLimits.human(expected) + " bytes", expected,
                InputLimits.current().tensorBytes(), "tensor_bytes");
        if (offsets[0] > offsets[1] || offsets[1] > dataLength || offsets[1] - offsets[0] != expected) {
            throw new CheckpointException(where + " of dtype " + dtypeNode.textValue() + " and shape "
                    + Arrays.toString(shape) + " needs " + expected + " bytes, but its data_offsets "
                    + Arrays.toString(offsets) + " do not span that within the " + dataLength
                    + " data bytes; the file is truncated or corrupt.");
        }
        return new Entry(name, dtype, shape, offsets[0], expected);
    }

    /** The reference implementation's rule: sorted by offset, the tensors cover the data with no overlap or gap. */
    private static void checkTiling(List<Entry> entries, long dataLength, String source) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::bytes));
        long end = 0;
        for (Entry e : sorted) {
            if (e.begin != end) {
                throw new CheckpointException(source + ": tensor '" + shortened(e.name) + "' starts at data byte "
                        + e.begin + " but the previous tensor ends at " + end + " (" + (e.begin < end ? "overlapping"
                        : "a gap in the") + " data_offsets); the file is corrupt.");
            }
            end = e.begin + e.bytes;
        }
        if (end != dataLength) {
            throw new CheckpointException(source + ": the tensors cover " + end + " of the " + dataLength
                    + " data bytes; the file is truncated or has trailing bytes.");
        }
    }

    private static ObjectMapper jsonReader() {
        // Limits are read per call: a user may raise them with -Dbiggan4j.limit.* at any time.
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(InputLimits.current().nestingDepth()).build()).build();
        return new ObjectMapper(factory);
    }

    private static int itemSize(ScalarType dtype) {
        return switch (dtype.intern()) {
            case Double, Long -> 8;
            case Float, Int -> 4;
            case Half, BFloat16, Short -> 2;
            default -> 1;
        };
    }

    private static long[] longs(JsonNode value, String field, String where, int length) {
        if (value == null || !value.isArray() || (length >= 0 && value.size() != length)) {
            throw new CheckpointException(where + " has no " + field + " list" + (length >= 0 ? " of " + length
                    + " integers" : "") + "; the file is corrupt.");
        }
        long[] out = new long[value.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = value.get(i);
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
                throw new CheckpointException(where + ": " + field + "[" + i + "] = " + shortened(n.toString())
                        + " is not a non-negative 64-bit integer; the file is corrupt.");
            }
            out[i] = n.longValue();
        }
        return out;
    }

    /** Names from a hostile header can be megabytes long or span lines; messages stay one readable line. */
    static String shortened(String text) {
        String oneLine = text.replaceAll("[\\r\\n\\t]", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }

    private static String firstLine(String message) {
        return message == null ? "" : shortened(message.lines().findFirst().orElse(""));
    }

    static String dtypeName(ScalarType type, String name) {
        return switch (type.intern()) {
            case Float -> "F32";
            case Double -> "F64";
            case Half -> "F16";
            case BFloat16 -> "BF16";
            case Long -> "I64";
            case Int -> "I32";
            case Short -> "I16";
            case Char -> "I8";
            case Byte -> "U8";
            case Bool -> "BOOL";
            default -> throw new IllegalArgumentException("Tensor '" + name + "' has dtype " + type
                    + ", which safetensors cannot store.");
        };
    }

    private static ScalarType scalarType(String name, String tensor, String source) {
        return switch (name) {
            case "F32" -> ScalarType.Float;
            case "F64" -> ScalarType.Double;
            case "F16" -> ScalarType.Half;
            case "BF16" -> ScalarType.BFloat16;
            case "I64" -> ScalarType.Long;
            case "I32" -> ScalarType.Int;
            case "I16" -> ScalarType.Short;
            case "I8" -> ScalarType.Char;
            case "U8" -> ScalarType.Byte;
            case "BOOL" -> ScalarType.Bool;
            default -> throw new CheckpointException(source + ": tensor '" + shortened(tensor)
                    + "' has unsupported dtype '" + shortened(name) + "'; biggan4j reads F64, F32, F16, BF16, I64, I32, "
                    + "I16, I8, U8 and BOOL.");
        };
    }
}
