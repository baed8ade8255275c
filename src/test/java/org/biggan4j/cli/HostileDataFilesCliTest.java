package org.biggan4j.cli;

import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 through the real command line: hostile data files (feature matrices, --samples arrays,
 * idx, CIFAR and labels files) exit with code 2 and one line on stderr naming the file, whichever
 * command and reader meets them.
 */
class HostileDataFilesCliTest {

    @TempDir
    Path dir;

    /** A .npy whose header says {@code shape} (a Python tuple) followed by {@code dataBytes} zeros. */
    private Path npy(String name, String descr, String shape, long dataBytes) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) (text.length + 1)).put(text)
                .put((byte) '\n');
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(b.capacity() + dataBytes);
        }
        return p;
    }

    private Path features(String name, int n, int d) throws IOException {
        Path p = dir.resolve(name);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 37 % 11) / 11f;
        }
        Npy.write(p, NpyArray.ofFloats(v, n, d));
        return p;
    }

    /** Exit 2, one line on stderr that names {@code file} and holds {@code part}. */
    static void assertRefused(Cli.Run run, Path file, String part) {
        assertEquals(2, run.code(), run.err());
        String err = run.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.startsWith("error: ") && err.contains(file.toString()), "names the file: " + err);
        assertTrue(err.contains(part), "'" + part + "' in: " + err);
    }

    @Test
    void aFeatureFileWhoseWidthMakesAHugeCovarianceIsRefusedFromItsHeader() throws IOException {
        // 1.6 MB of data, but a width of 200,000: its covariance would be 320 GB of doubles.
        Path wide = npy("wide.npy", "<f4", "(2, 200000)", 2L * 200_000 * 4);
        Path other = features("b.npy", 4, 3);
        long start = System.nanoTime();
        Cli.Run run = Cli.run("fid", "--features-a", wide.toString(), "--features-b", other.toString());
        assertRefused(run, wide, "biggan4j.limit.feature_dim");
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused at once, not after computing");
    }

    @Test
    void truncatedAndOverflowingFeatureFilesExitTwo() throws IOException {
        Path other = features("b.npy", 4, 3);
        Path truncated = npy("truncated.npy", "<f4", "(1000, 3)", 100);
        assertRefused(Cli.run("fid", "--features-a", truncated.toString(), "--features-b", other.toString()), truncated,
                "truncated");
        Path overflow = npy("overflow.npy", "<f4", "(4611686018427387904, 3)", 0);
        assertRefused(Cli.run("fid", "--features-a", other.toString(), "--features-b", overflow.toString()), overflow,
                "overflows");
        Path statsBomb = dir.resolve("stats.npz");
        Files.write(statsBomb, "PK\u0003\u0004 not really a zip".getBytes(StandardCharsets.ISO_8859_1));
        assertRefused(Cli.run("fid", "--stats-a", statsBomb.toString(), "--features-b", other.toString()), statsBomb,
                "zip");
    }

    @Test
    void hostileSampleArraysForEvalExitTwo() throws IOException {
        Path negative = npy("negative.npy", "<f4", "(-1, 1, 32, 32)", 64);
        assertRefused(Cli.run("eval", "--samples", negative.toString()), negative, "negative");
        Path overflowing = npy("overflowing.npy", "<f4", "(2, 1, 4294967296, 4294967296)", 64);
        assertRefused(Cli.run("eval", "--samples", overflowing.toString()), overflowing, "overflows");
        // A sparse 20 GiB array: over the tensor limit (16 GiB), refused before torch.empty.
        Path sparse = npy("sparse.npy", "<f4", "(5242880, 1, 32, 32)", 5242880L * 1024 * 4);
        assertRefused(Cli.run("eval", "--samples", sparse.toString()), sparse, "biggan4j.limit.tensor_bytes");
        Path wrongShape = npy("flat.npy", "<f4", "(10,)", 40);
        assertRefused(Cli.run("eval", "--samples", wrongShape.toString()), wrongShape, "[N >= 2, C, H, W]");
    }

    @Test
    void damagedIdxCifarAndLabelsFilesExitTwoFromPrepare() throws IOException {
        Path idx = Files.createDirectories(dir.resolve("idx"));
        // A 16-byte idx header promising 2^31 - 1 images of 28x28, and a matching labels header.
        Files.write(idx.resolve("train-images-idx3-ubyte"),
                ByteBuffer.allocate(16).putInt(0x803).putInt(Integer.MAX_VALUE).putInt(28).putInt(28).array());
        Files.write(idx.resolve("train-labels-idx1-ubyte"),
                ByteBuffer.allocate(8).putInt(0x801).putInt(Integer.MAX_VALUE).array());
        Path out = dir.resolve("out.bgpack");
        assertRefused(Cli.run("prepare", "--data", idx.toString(), "--out", out.toString(), "--no-progress"),
                idx.resolve("train-images-idx3-ubyte"), "truncated");
        assertFalse(Files.exists(out));

        Path cifar = Files.createDirectories(dir.resolve("cifar"));
        Files.write(cifar.resolve("data_batch_1.bin"), new byte[3073 * 2 + 5]);
        assertRefused(Cli.run("prepare", "--data", cifar.toString(), "--out", out.toString(), "--no-progress"),
                cifar.resolve("data_batch_1.bin"), "truncated");

        Path labels = dir.resolve("labels.tsv");
        Files.write(labels, new byte[] {'a', '.', 'p', 'n', 'g', '\t', (byte) 0xC3, (byte) 0x28, '\n'});
        assertRefused(Cli.run("prepare", "--data", labels.toString(), "--resolution", "16", "--out", out.toString(),
                "--no-progress"), labels, "UTF-8");
    }
}
