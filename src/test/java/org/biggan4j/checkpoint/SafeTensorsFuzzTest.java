package org.biggan4j.checkpoint;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.biggan4j.io.BadInputException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19's reader contract for safetensors: mutated and hand-made hostile files. */
class SafeTensorsFuzzTest {

    private static final String SOURCE = "fuzz.safetensors";

    /** A small valid file: float, int64, bf16 scalar and an empty tensor, with metadata. */
    static byte[] valid() {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("g/w", Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, ComputeDevice.CPU, 2, 3));
            tensors.put("g/ids", Tensors.fromLongs(new long[] {7, 8, 9, 10}, ComputeDevice.CPU, 4));
            tensors.put("g/s", torch.empty(new long[] {}, ComputeDevice.CPU.options(torch.ScalarType.BFloat16), null)
                    .fill_(new Scalar(1.0)));
            tensors.put("g/empty", torch.empty(new long[] {0, 5}, ComputeDevice.CPU.options(torch.ScalarType.Float),
                    null));
            return SafeTensors.toBytes(tensors, Map.of("format", "test"));
        }
    }

    /** A file with {@code header} as its JSON header and {@code data} after it. */
    static byte[] file(String header, int data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length)
                .put(json).array();
    }

    static BadInputException refused(byte[] bytes) {
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try (PointerScope scope = new PointerScope()) {
                SafeTensors.read(bytes, ComputeDevice.CPU, SOURCE);
            }
        });
        HostileInput.assertOneLine(e, SOURCE, "hand-made file");
        return e;
    }

    @Property(tries = 400, seed = "19001")
    void mutatedFilesAreReadOrRefusedInOneLine(@ForAll long seed) throws Exception {
        byte[] bytes = HostileInput.mutate(valid(), seed);
        // 1 MiB per tensor: a mutated 300-byte file must never get to allocate more.
        HostileInput.withLimit("tensor_bytes", 1 << 20, () -> HostileInput.readOrRefused(SOURCE, seed, () -> {
            try (PointerScope scope = new PointerScope()) {
                SafeTensors.read(bytes, ComputeDevice.CPU, SOURCE);
            }
        }));
    }

    @Test
    void theValidSeedRoundTrips() {
        try (PointerScope scope = new PointerScope()) {
            SafeTensors.Contents c = SafeTensors.read(valid(), ComputeDevice.CPU, SOURCE);
            assertEquals(4, c.tensors().size());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Tensors.toFloats(c.tensors().get("g/w")));
            assertArrayEquals(new long[] {0, 5}, Tensors.shape(c.tensors().get("g/empty")));
            assertEquals("test", c.metadata().get("format"));
        }
    }

    @Test
    void headerLengthsThatDoNotFitAreRefused() {
        for (long length : new long[] {0, -1, 1L << 31, Long.MAX_VALUE, Long.MIN_VALUE}) {
            byte[] b = valid();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            assertTrue(refused(b).getMessage().contains("header length " + length), "length " + length);
        }
        refused(new byte[] {1, 2, 3});
    }

    @Test
    void shapesAndOffsetsAreCheckedIn64BitsBeforeAllocating() {
        String t = "{\"t\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":%s}}";
        // 2^62 x 4 elements of 4 bytes: the byte count overflows 64 bits.
        assertTrue(refused(file(String.format(t, "[4611686018427387904, 4]", "[0, 16]"), 16)).getMessage()
                .contains("overflows 64 bits"));
        // A shape that fits 64 bits but not the tensor limit: refused before torch.empty.
        assertTrue(refused(file(String.format(t, "[1073741824, 1024]", "[0, 16]"), 16)).getMessage()
                .contains("tensor_bytes"));
        assertTrue(refused(file(String.format(t, "[-1]", "[0, 4]"), 4)).getMessage().contains("non-negative"));
        assertTrue(refused(file(String.format(t, "[1]", "[0, 9223372036854775807]"), 4)).getMessage()
                .contains("data_offsets"));
        assertTrue(refused(file(String.format(t, "[1]", "[0, 18446744073709551616]"), 4)).getMessage()
                .contains("64-bit"));
        assertTrue(refused(file(String.format(t, "[1]", "[4, 0]"), 4)).getMessage().contains("data_offsets"));
        assertTrue(refused(file(String.format(t, "[2]", "[0, 8]"), 4)).getMessage().contains("needs 8 bytes"));
        assertTrue(refused(file(String.format(t, "\"big\"", "[0, 4]"), 4)).getMessage().contains("shape"));
        assertTrue(refused(file(String.format(t, "[1]", "[0, 4]"), 12)).getMessage().contains("trailing"));
    }

    @Test
    void overlappingOrGappedOffsetsAreRefused() {
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]}}";
        assertTrue(refused(file(String.format(two, 4, 12), 12)).getMessage().contains("overlapping"));
        assertTrue(refused(file(String.format(two, 12, 20), 20)).getMessage().contains("gap"));
        // Out of file order is fine when the tensors still tile the data.
        try (PointerScope scope = new PointerScope()) {
            String swapped = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
            assertEquals(2, SafeTensors.read(file(swapped, 16), ComputeDevice.CPU, SOURCE).tensors().size());
        }
    }

    @Test
    void hostileHeadersAreOneLine() {
        String deep = "{\"t\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertTrue(refused(file(deep, 0)).getMessage().contains("nests deeper"));
        assertTrue(refused(file("[1, 2]", 0)).getMessage().contains("not a JSON object"));
        assertTrue(refused(file("{\"t\": 5}", 0)).getMessage().contains("tensor description"));
        assertTrue(refused(file("{\"t\":{\"dtype\":[1],\"shape\":[],\"data_offsets\":[0,4]}}", 4)).getMessage()
                .contains("dtype"));
        assertTrue(refused(file("{\"t\":{\"dtype\":\"F33\",\"shape\":[],\"data_offsets\":[0,4]}}", 4)).getMessage()
                .contains("F33"));
        assertTrue(refused(file("{\"__metadata__\": {\"a\": [1]}}", 0)).getMessage().contains("__metadata__"));
        String longName = "x".repeat(1_000_000);
        BadInputException e = refused(file("{\"" + longName + "\": 1}", 0));
        assertTrue(e.getMessage().length() < 300, "a megabyte-long tensor name is shortened");
        refused(file("{\"t\": {", 0));
    }

    @Test
    void aSparseMultiGigabyteFileIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        Path sparse = dir.resolve("sparse.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensors.read(sparse, ComputeDevice.CPU));
        HostileInput.assertOneLine(e, sparse, "sparse file");
        Files.delete(sparse);
    }
}
