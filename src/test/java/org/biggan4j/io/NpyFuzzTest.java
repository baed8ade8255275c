package org.biggan4j.io;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Mutated {@code .npy} and {@code .npz} files (issue 19): every read either returns an array or
 * refuses in one line naming the file, and none allocates what the file merely claims.
 */
class NpyFuzzTest extends Fuzz.Properties {

    private static Path dir;
    private static byte[] npy;
    private static byte[] npzStored;
    private static byte[] npzDeflated;

    @BeforeContainer
    static void validFiles() throws IOException {
        dir = Files.createTempDirectory("npy-fuzz");
        npy = Npy.encode(NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4));
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("mu", NpyArray.ofDoubles(new double[] {1, 2}, 2));
        m.put("sigma", NpyArray.ofDoubles(new double[] {1, 0, 0, 1}, 2, 2));
        m.put("n", NpyArray.scalar(10L));
        Path stored = dir.resolve("valid.npz");
        Npy.writeNpz(stored, m);
        npzStored = Files.readAllBytes(stored);
        npzDeflated = deflatedNpz(m);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(dir);
    }

    @Property(tries = 300, seed = "19001")
    void mutatedNpyIsReadOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m) throws IOException {
        Path file = write("m.npy", Fuzz.apply(npy, m, 128));
        Fuzz.readOrRefused(file, m, () -> Npy.readHeader(file));
        Fuzz.readOrRefused(file, m, () -> Npy.readArray(file));
        Fuzz.readOrRefused(file, m, () -> NativeMemory.scoped(() -> {
            try {
                Tensor t = Npy.read(file, ComputeDevice.CPU);
                t.numel();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    @Property(tries = 250, seed = "19002")
    void mutatedNpzIsReadOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m, @ForAll boolean deflated)
            throws IOException {
        byte[] valid = deflated ? npzDeflated : npzStored;
        Path file = write("m.npz", Fuzz.apply(valid, m, valid.length));
        Fuzz.readOrRefused(file, m, () -> Npy.readNpz(file));
    }

    /**
     * Shapes from hostile headers that are otherwise consistent (the header length field matches):
     * negative, overflowing and huge sizes reach the checks, never torch.empty or new byte[].
     */
    @Property(tries = 200, seed = "19003")
    void hostileShapesAreRefusedBeforeAllocation(@ForAll("shapes") List<String> dims, @ForAll("descrs") String descr)
            throws IOException {
        String tuple = String.join(", ", dims) + (dims.size() == 1 ? "," : "");
        Path file = write("s.npy", header("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + tuple
                + "), }", 48));
        Object what = descr + " (" + tuple + ")";
        Fuzz.readOrRefused(file, what, () -> Npy.readArray(file));
        Fuzz.readOrRefused(file, what, () -> NativeMemory.scoped(() -> {
            try {
                Npy.read(file, ComputeDevice.CPU).numel();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    @Provide
    Arbitrary<List<String>> shapes() {
        Arbitrary<String> dim = Arbitraries.oneOf(
                Arbitraries.of(Arrays.stream(Fuzz.HOSTILE).mapToObj(Long::toString).collect(Collectors.toList())),
                Arbitraries.of("9223372036854775808", "99999999999999999999999", "3L", "-0", "1e9", "0x10", "", "4"),
                Arbitraries.integers().between(0, 12).map(Object::toString));
        return dim.list().ofMinSize(0).ofMaxSize(5);
    }

    @Provide
    Arbitrary<String> descrs() {
        return Arbitraries.of("<f4", "<f8", "|u1", "<i8", "|b1");
    }

    @Property(tries = 20, seed = "19004")
    void unmutatedFilesStillRead(@ForAll boolean deflated) throws IOException {
        // The control: the valid files the mutations start from are read correctly.
        Path one = write("ok.npy", npy);
        assertArrayEquals(new long[] {3, 4}, Npy.readArray(one).shape());
        Path zip = write("ok.npz", deflated ? npzDeflated : npzStored);
        Map<String, NpyArray> m = Npy.readNpz(zip);
        assertEquals(List.of("mu", "sigma", "n"), List.copyOf(m.keySet()));
        assertEquals(10, m.get("n").scalarLong());
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** A version 1.0 header holding {@code dict}, then {@code dataBytes} zero bytes. */
    static byte[] header(String dict, int dataBytes) {
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length + 1 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) (text.length + 1)).put(text)
                .put((byte) '\n');
        return b.array();
    }

    /** As np.savez_compressed writes: deflated members. */
    static byte[] deflatedNpz(Map<String, NpyArray> arrays) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Npy.encode(e.getValue()));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
