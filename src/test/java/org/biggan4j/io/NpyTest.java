package org.biggan4j.io;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/fixtures/pretrained-biggan-deep/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsTheClassIdFixtureAsInt64() throws IOException {
        NpyArray a = Npy.readArray(fixture("class_ids.npy"));
        assertEquals(NpyDtype.INT64, a.dtype());
        assertArrayEquals(new long[] {4}, a.shape());
        assertArrayEquals(new long[] {0, 207, 409, 999}, a.toLongs());
        NativeMemory.scoped(() -> {
            Tensor t = read(fixture("class_ids.npy"));
            assertEquals(ScalarType.Long.value, t.scalar_type().value);
            assertArrayEquals(new long[] {0, 207, 409, 999}, Tensors.toLongs(t));
        });
    }

    @Test
    void readsTheZeroDimensionalTruncationExactly() throws IOException {
        NpyArray a = Npy.readArray(fixture("truncation_t0.400.npy"));
        assertEquals(NpyDtype.FLOAT64, a.dtype());
        assertEquals(0, a.ndim());
        assertEquals(0.4, a.scalarDouble(), 0.0);
        NativeMemory.scoped(() -> {
            Tensor t = read(fixture("truncation_t0.400.npy"));
            assertEquals(0, t.dim());
            assertEquals(ScalarType.Double.value, t.scalar_type().value);
            assertEquals(0.4, t.item_double(), 0.0);
        });
    }

    @Test
    void readsTheLatentFixtureAsFloat32() throws IOException {
        // Reference values printed by numpy 2.4 from the same file.
        NpyArray a = Npy.readArray(fixture("z_t0.400.npy"));
        assertArrayEquals(new long[] {4, 128}, a.shape());
        float[] z = a.toFloats();
        assertArrayEquals(new float[] {-0.07994146f, 0.22170416f, -0.79919285f, -0.19683754f},
                Arrays.copyOf(z, 4), 1e-8f);
        NativeMemory.scoped(() -> {
            Tensor t = read(fixture("z_t0.400.npy"));
            assertArrayEquals(new long[] {4, 128}, Tensors.shape(t));
            assertArrayEquals(z, Tensors.toFloats(t), 0f);
            assertEquals(1.7377416223753244, t.to(ScalarType.Double).sum().item_double(), 1e-9);
        });
    }

    @Test
    void rewritingAFixtureReproducesItsBytes() throws IOException {
        // numpy writes version 1.0 headers padded to 64 bytes: our encoder must match byte for byte.
        for (String name : new String[] {"class_ids.npy", "truncation_t0.400.npy", "z_t0.400.npy"}) {
            Path copy = dir.resolve(name);
            Npy.write(copy, Npy.readArray(fixture(name)));
            assertArrayEquals(Files.readAllBytes(fixture(name)), Files.readAllBytes(copy), name);
            NativeMemory.scoped(() -> {
                Path viaTensor = dir.resolve("t-" + name);
                io(() -> Npy.write(viaTensor, read(fixture(name))));
                assertArrayEquals(bytes(fixture(name)), bytes(viaTensor), name);
            });
        }
    }

    @Test
    void everyDtypeRoundTripsThroughTensorsAndArrays() throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("f4", NpyArray.ofFloats(new float[] {1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, 0f, -0f}, 2, 3));
        arrays.put("f8", NpyArray.ofDoubles(new double[] {Math.PI, -1e300, Double.MIN_VALUE}, 3, 1));
        arrays.put("i8", NpyArray.ofLongs(new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE, 0}, 2, 2));
        arrays.put("i4", NpyArray.ofInts(new int[] {Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, 3));
        arrays.put("u1", NpyArray.ofBytes(new byte[] {0, 1, (byte) 200, (byte) 255}, 1, 4));
        arrays.put("b1", NpyArray.ofBooleans(new boolean[] {true, false, true}, 3));
        arrays.put("scalar", NpyArray.scalar(0.4));
        arrays.put("empty", NpyArray.ofFloats(new float[0], 0, 5));
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            Path p = dir.resolve(e.getKey() + ".npy");
            Npy.write(p, e.getValue());
            assertEquals(e.getValue(), Npy.readArray(p), e.getKey());
            assertEquals(0, Files.size(p) - e.getValue().data().length & 63, "header padded to 64 bytes");
            NativeMemory.scoped(() -> {
                Tensor t = read(p);
                assertEquals(e.getValue().dtype().scalarType().value, t.scalar_type().value);
                assertEquals(e.getValue(), NpyArray.of(t), e.getKey());
                Path again = dir.resolve(e.getKey() + "-again.npy");
                io(() -> Npy.write(again, t));
                assertArrayEquals(bytes(p), bytes(again));
            });
        }
        assertEquals(200, Npy.readArray(dir.resolve("u1.npy")).toLongs()[2]);
        assertArrayEquals(new boolean[] {true, false, true}, Npy.readArray(dir.resolve("b1.npy")).toBooleans());
    }

    @Test
    void nonContiguousTensorsAreWrittenInCOrder() throws IOException {
        Path p = dir.resolve("t.npy");
        NativeMemory.scoped(() -> {
            Tensor t = Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, ComputeDevice.CPU, 2, 3).t(); // [3, 2]
            io(() -> Npy.write(p, t));
        });
        NpyArray a = Npy.readArray(p);
        assertArrayEquals(new long[] {3, 2}, a.shape());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, a.toFloats());
    }

    @Test
    void npzArchivesRoundTrip() throws IOException {
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("mu", NpyArray.ofDoubles(new double[] {1, 2}, 2));
        m.put("sigma", NpyArray.ofDoubles(new double[] {1, 0, 0, 1}, 2, 2));
        m.put("n", NpyArray.scalar(10L));
        Path p = dir.resolve("stats.npz");
        Npy.writeNpz(p, m);
        assertEquals(m, Npy.readNpz(p));
    }

    @Test
    void badFilesFailWithOneLineNamingTheFileAndTheFix() throws IOException {
        Path fortran = header("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
        assertMessage(fortran, "Fortran", "np.ascontiguousarray");
        Path big = header("big.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8);
        assertMessage(big, "big-endian", "'>f4'");
        Path pickled = header("obj.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8);
        assertMessage(pickled, "pickled", "numeric");
        Path complex = header("c.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8);
        assertMessage(complex, "'<c8'", "<f4");

        byte[] whole = Files.readAllBytes(fixture("z_t0.400.npy"));
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 100));
        assertMessage(cut, "truncated", "2048 data bytes");
        Path longer = dir.resolve("long.npy");
        Files.write(longer, Arrays.copyOf(whole, whole.length + 3));
        assertMessage(longer, "3 bytes after", "corrupt");
        Path notNpy = dir.resolve("text.npy");
        Files.writeString(notNpy, "hello");
        assertMessage(notNpy, "not a NumPy .npy file", "np.save");

        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> Npy.readArray(dir.resolve("absent.npy")));
        assertTrue(missing.getMessage().contains("absent.npy"), missing.getMessage());
    }

    @Test
    void aFailedWriteLeavesNoPartialFile() throws IOException {
        Path p = dir.resolve("x.npy");
        Npy.write(p, NpyArray.ofFloats(new float[] {1}, 1));
        byte[] before = Files.readAllBytes(p);
        assertThrows(RuntimeException.class, () -> AtomicFiles.writeChannel(p, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IllegalStateException("disk on fire");
        }));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file is removed");
        }
    }

    private Path header(String name, String dict, int dataBytes) throws IOException {
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length + 1 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) (text.length + 1)).put(text).put((byte) '\n');
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static void assertMessage(Path file, String... parts) {
        BadInputException e = assertThrows(BadInputException.class, () -> Npy.readArray(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
        assertThrows(BadInputException.class, () -> NativeMemory.scoped(() -> read(file)));
    }

    private static Tensor read(Path p) {
        try {
            return Npy.read(p, ComputeDevice.CPU);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface IoAction {
        void run() throws IOException;
    }

    private static void io(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
