package org.biggan4j.io;

import com.sun.management.OperatingSystemMXBean;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The concrete hostile {@code .npy}/{@code .npz} files of issue 19, each refused in one line before it allocates. */
class NpyHostileFilesTest {

    @TempDir
    Path dir;

    /** A valid .npy of {@code elements} float32 zeros, as a sparse file: it costs no disk. */
    private Path sparse(String name, long elements) throws IOException {
        Path p = dir.resolve(name);
        byte[] header = NpyFuzzTest.header("{'descr': '<f4', 'fortran_order': False, 'shape': (" + elements + ",), }", 0);
        Files.write(p, header);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(header.length + 4 * elements);
        }
        return p;
    }

    @Test
    void aSparseMultiGigabyteFileIsRefusedNotReadWhole() throws IOException {
        // 3 GiB of float32 that the file really holds (sparse zeros): the heap read refuses at once
        // instead of an OutOfMemoryError (issue 19).
        long elements = 3L << 28;
        Path p = sparse("sparse.npy", elements);
        assertOneLine(assertThrows(BadInputException.class, () -> Npy.readArray(p)), p, "Java array");

        // Past the tensor limit (16 GiB by default): refused from the header, naming the property to raise.
        long huge = 5L << 30;
        Path q = sparse("huge.npy", huge);
        BadInputException e = assertThrows(BadInputException.class, () -> Npy.read(q, ComputeDevice.CPU));
        assertOneLine(e, q, "biggan4j.limit.tensor_bytes");
    }

    @Test
    void aNativeReadLargerThanTheMachineIsRefusedBeforeTorchEmpty() throws IOException {
        long physical = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        long elements = physical / 2 + (1L << 20);   // twice the machine's memory in float32
        Path p = sparse("bigger-than-ram.npy", elements);
        String before = System.getProperty(InputLimits.PREFIX + "tensor_bytes");
        System.setProperty(InputLimits.PREFIX + "tensor_bytes", Long.toString(1L << 50));
        try {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> NativeMemory.scoped(() -> read(p)));
            assertOneLine(e, p, "memory");
        } finally {
            restore("tensor_bytes", before);
        }
    }

    @Test
    void negativeAndOverflowingShapesNeverReachTorchEmpty() throws IOException {
        String[] shapes = {"(-1,)", "(3, -4)", "(4611686018427387904, 4)", "(9223372036854775807, 9223372036854775807)",
                "(9223372036854775808,)", "(2147483648, 2147483648, 2147483648)"};
        for (String shape : shapes) {
            Path p = dir.resolve("shape.npy");
            Files.write(p, NpyFuzzTest.header("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", 16));
            BadInputException e = assertThrows(BadInputException.class, () -> NativeMemory.scoped(() -> read(p)), shape);
            assertOneLine(e, p, "");
            assertFalse(e.getMessage().contains("c10") || e.getMessage().contains("Exception"), e.getMessage());
        }
        // A header that claims more data than the file holds is "truncated", from the size alone.
        Path cut = dir.resolve("claims.npy");
        Files.write(cut, NpyFuzzTest.header("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 1000), }", 8));
        assertOneLine(assertThrows(BadInputException.class, () -> Npy.readHeader(cut)), cut, "truncated");
    }

    @Test
    void anNpzMemberThatInflatesPastItsDeclarationIsRefusedAfterOneByte() throws IOException {
        // np.savez_compressed layout with one member whose header says 4 floats but which inflates
        // to 64 MiB; the central directory is patched to the honest-looking 10 + header + 16 bytes.
        byte[] header = Npy.encode(NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("bomb.npy"));
            zip.write(header);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        byte[] bytes = out.toByteArray();
        Path honestSize = dir.resolve("bomb.npz");
        Files.write(honestSize, bytes);
        // As written, the directory tells the truth (64 MiB): the header disagrees with it.
        assertOneLine(assertThrows(BadInputException.class, () -> Npy.readNpz(honestSize)), honestSize, "bomb.npy");

        patchCentralSize(bytes, header.length);
        Path lying = dir.resolve("lying.npz");
        Files.write(lying, bytes);
        assertOneLine(assertThrows(BadInputException.class, () -> Npy.readNpz(lying)), lying, "bytes after");

        // A directory that claims gigabytes from a few hundred compressed bytes is refused unread.
        patchCentralSize(bytes, 3_000_000_000L);
        Path claims = dir.resolve("claims.npz");
        Files.write(claims, bytes);
        assertOneLine(assertThrows(BadInputException.class, () -> Npy.readNpz(claims)), claims, "inflate");
    }

    /** Sets the uncompressed size of the first central-directory entry. */
    private static void patchCentralSize(byte[] zip, long size) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = zip.length - 46; i >= 0; i--) {
            if (b.getInt(i) == 0x02014b50) {
                b.putInt(i + 24, (int) size);
                return;
            }
        }
        throw new AssertionError("no central directory");
    }

    private static void read(Path p) {
        try {
            Npy.read(p, ComputeDevice.CPU);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(InputLimits.PREFIX + name);
        } else {
            System.setProperty(InputLimits.PREFIX + name, value);
        }
    }

    static void assertOneLine(Exception e, Path file, String part) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(file.toString()), "names the file: " + m);
        assertTrue(m.contains(part), "'" + part + "' in: " + m);
    }
}
