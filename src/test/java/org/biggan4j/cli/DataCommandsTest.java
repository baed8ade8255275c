package org.biggan4j.cli;

import org.biggan4j.data.PackedImages;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ImageDecoding;
import org.biggan4j.image.PngFiles;
import org.biggan4j.image.ReferenceArea;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCommandsTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = Biggan4j.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static ImageBytes random(int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[3 * h * w];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return new ImageBytes(3, h, w, b);
    }

    private Path outDir() throws IOException {
        return Files.createDirectories(dir.resolve("out"));
    }

    private void assertEmpty(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            assertFalse(files.findAny().isPresent(), "no output or temporary file may remain in " + folder);
        }
    }

    @Test
    void prepareRoundTripsOddSizedImagesAndCountsBadOnes() throws IOException {
        Path root = dir.resolve("imgs");
        ImageBytes a = random(37, 53, 1);
        ImageBytes b = random(64, 48, 2);
        PngFiles.write(a, root.resolve("alpha/a.png"));
        PngFiles.write(b, root.resolve("beta/b.png"));
        ImageIO.write(ImageDecoding.toBufferedImage(random(50, 70, 3)), "jpg", root.resolve("beta/c.jpg").toFile());
        Files.write(root.resolve("alpha/corrupt.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 9, 9});
        byte[] jpeg = Files.readAllBytes(root.resolve("beta/c.jpg"));
        Files.write(root.resolve("beta/truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Path out = outDir().resolve("data.bgpack");

        Run r = run("prepare", "--data", root.toString(), "--resolution", "20", "--out", out.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Packed 3 of 5 images") && r.out().contains("2 skipped"), r.out());

        PackedImages packed = PackedImages.open(out);
        assertEquals(3, packed.count());
        ImageBytes[] sources = {a, b};
        for (int i = 0; i < 2; i++) {
            ImageBytes im = sources[i];
            int side = Math.min(im.height(), im.width());
            double[] ref = ReferenceArea.average(im, (im.height() - side) / 2, (im.width() - side) / 2, side, 20);
            byte[] got = packed.image(i);
            double maxError = 0;
            for (int k = 0; k < ref.length; k++) {
                maxError = Math.max(maxError, Math.abs(ref[k] - (got[k] & 0xFF)));
            }
            assertTrue(maxError <= 1.0, "max error " + maxError + " levels (limit 1/255)");
        }
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(1, files.count(), "only the packed file, no temporary file");
        }
    }

    @Test
    void badInputsExitNonZeroWithOneLineAndNoFile() throws IOException {
        Path out = outDir().resolve("x.bgpack");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        expectFailure(out, "empty folder", empty.toString(), "--data", empty.toString(), "--resolution", "32");

        Path tree = dir.resolve("tree");
        PngFiles.write(random(8, 8, 1), tree.resolve("full/a.png"));
        Files.createDirectories(tree.resolve("hollow"));
        expectFailure(out, "class folder without images", "hollow", "--data", tree.toString(), "--resolution", "32");

        Path idx = Files.createDirectories(dir.resolve("idx"));
        ByteBuffer images = ByteBuffer.allocate(16 + 3 * 64).putInt(0x803).putInt(3).putInt(8).putInt(8);
        Files.write(idx.resolve("train-images-idx3-ubyte"), Arrays.copyOf(images.array(), 16 + 100));
        Files.write(idx.resolve("train-labels-idx1-ubyte"), ByteBuffer.allocate(11).putInt(0x801).putInt(3).array());
        expectFailure(out, "truncated idx", "train-images-idx3-ubyte", "--data", idx.toString());

        Files.write(idx.resolve("train-images-idx3-ubyte"), images.array());
        Files.write(idx.resolve("train-labels-idx1-ubyte"), ByteBuffer.allocate(10).putInt(0x801).putInt(2).array());
        expectFailure(out, "mismatched counts", "3 images", "--data", idx.toString());

        Files.write(idx.resolve("train-labels-idx1-ubyte"), ByteBuffer.allocate(11).putInt(0x801).putInt(3).array());
        Path packed = dir.resolve("good.bgpack");
        assertEquals(0, run("prepare", "--data", idx.toString(), "--out", packed.toString(), "--no-progress").exit());
        try (FileChannel ch = FileChannel.open(packed, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5);
        }
        expectFailure(out, "packed size mismatch", "good.bgpack", "--data", packed.toString());

        expectFailure(out, "unsupported resolution", "Resolution 3", "--data", tree.resolve("full").toString(),
                "--resolution", "3");
        expectFailure(out, "unsupported resolution", "Resolution 5000", "--data", idx.toString(), "--resolution", "5000");
    }

    private void expectFailure(Path out, String what, String fragment, String... dataArgs) throws IOException {
        String[] args = Stream.concat(Stream.of("prepare", "--out", out.toString(), "--no-progress"),
                Arrays.stream(dataArgs)).toArray(String[]::new);
        Run r = run(args);
        assertEquals(2, r.exit(), what + ": " + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(fragment), what + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), what + ": one line expected, got " + r.err());
        assertEmpty(out.getParent());
    }

    @Test
    void sheetWritesOneLabelledRowPerClass() throws IOException {
        Path idx = Files.createDirectories(dir.resolve("fashion-like"));
        int n = 30;
        ByteBuffer images = ByteBuffer.allocate(16 + n * 784).putInt(0x803).putInt(n).putInt(28).putInt(28);
        ByteBuffer labels = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            labels.put((byte) (i % 3));
        }
        Files.write(idx.resolve("train-images-idx3-ubyte"), images.array());
        Files.write(idx.resolve("train-labels-idx1-ubyte"), labels.array());
        Path out = dir.resolve("sheet.png");
        Run r = run("sheet", "--data", idx.toString(), "--out", out.toString(), "--per-class", "4",
                "--class-names", "zero,one,two,3,4,5,6,7,8,9", "--padding", "2");
        assertEquals(0, r.exit(), r.err());
        ImageBytes sheet = PngFiles.read(out, 3);
        // Digits as default names give 10 classes; labels 0..2 have images, so 10 rows (7 black).
        assertEquals(10 * (28 + 2) + 2, sheet.height());
        assertTrue(sheet.width() > 4 * (28 + 2) + 2, "a label margin widens the sheet");
    }

    @Test
    void benchIsACommandGroupWithData() {
        Run r = run("bench", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("data"), r.out());
    }
}
