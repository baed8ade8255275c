package org.biggan4j.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
     * Parses a safetensors file held in {@code bytes}; tensors are created on {@code device}.
     *
     * @param source names the file in error messages
     * @throws CheckpointException naming {@code source} when the bytes are not a valid file
     */
    public static Contents read(byte[] bytes, ComputeDevice device, String source) {
        if (bytes.length < 8) {
            throw new CheckpointException(source + " is not a safetensors file: it has only " + bytes.length
                    + " bytes.");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
            throw new CheckpointException(source + " is not a valid safetensors file: header length "
                    + headerLength + " does not fit in its " + bytes.length + " bytes (truncated or corrupt).");
        }
        Map<String, Object> header;
        try {
            header = JSON.readValue(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8),
                    new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new CheckpointException(source + " has a corrupt safetensors header: " + e.getMessage(), e);
        }
        long dataStart = 8 + headerLength;
        long dataLength = bytes.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                if (e.getValue() instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                }
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> entry)) {
                throw new CheckpointException(source + ": entry '" + e.getKey() + "' is not a tensor description.");
            }
            ScalarType dtype = scalarType(String.valueOf(entry.get("dtype")), e.getKey(), source);
            long[] shape = longs(entry.get("shape"), e.getKey(), source);
            long[] offsets = longs(entry.get("data_offsets"), e.getKey(), source);
            long numel = 1;
            for (long s : shape) {
                numel *= s;
            }
            Tensor cpu = torch.empty(shape, ComputeDevice.CPU.options(dtype), null);
            long expected = numel * cpu.itemsize();
            if (offsets.length != 2 || offsets[0] < 0 || offsets[1] > dataLength
                    || offsets[1] - offsets[0] != expected) {
                throw new CheckpointException(source + ": tensor '" + e.getKey() + "' of shape "
                        + java.util.Arrays.toString(shape) + " needs " + expected + " bytes but its offsets "
                        + java.util.Arrays.toString(offsets) + " do not fit the " + dataLength
                        + " data bytes (truncated or corrupt file).");
            }
            if (expected > 0) {
                new BytePointer(cpu.data_ptr()).put(bytes, (int) (dataStart + offsets[0]), (int) expected);
            }
            tensors.put(e.getKey(), device.type().equals("cpu") ? cpu : cpu.to(device.torchDevice(), dtype));
        }
        return new Contents(tensors, metadata);
    }

    private static long[] longs(Object value, String name, String source) {
        if (!(value instanceof List<?> list)) {
            throw new CheckpointException(source + ": tensor '" + name + "' lacks a shape or data_offsets list.");
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).longValue();
        }
        return out;
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
            default -> throw new CheckpointException(source + ": tensor '" + tensor + "' has unsupported dtype '"
                    + name + "'.");
        };
    }
}
