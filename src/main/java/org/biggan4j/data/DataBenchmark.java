package org.biggan4j.data;

import org.biggan4j.image.ImageDecoding;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Loader throughput on synthetic data (for {@code biggan4j bench data}): images per second
 * delivered by {@link DataLoader#next()} as float tensors in [-1, 1] on the device, from a packed
 * file and from a folder of JPEGs. Not a test: figures depend on the machine.
 */
public final class DataBenchmark {

    private DataBenchmark() {
    }

    /**
     * One measurement.
     *
     * @param name            what was measured
     * @param resolution      image side delivered
     * @param images          images timed (after warm-up)
     * @param seconds         wall time of the timed part
     * @param imagesPerSecond {@code images / seconds}
     */
    public record Result(String name, int resolution, long images, double seconds, double imagesPerSecond) {
    }

    /** Synthetic RGB images: smooth gradients plus noise, different for every index. */
    public static LabelledImages synthetic(int count, int resolution, int classes) {
        List<String> names = IntStream.range(0, classes).mapToObj(i -> "class" + i).toList();
        return new LabelledImages() {
            @Override
            public int count() {
                return count;
            }

            @Override
            public int channels() {
                return 3;
            }

            @Override
            public int resolution() {
                return resolution;
            }

            @Override
            public List<String> classNames() {
                return names;
            }

            @Override
            public int label(int index) {
                return index % classes;
            }

            @Override
            public void read(int index, byte[] dst, int offset) {
                SplittableRandom r = new SplittableRandom(index);
                int plane = resolution * resolution;
                for (int c = 0; c < 3; c++) {
                    int base = r.nextInt(128);
                    for (int p = 0; p < plane; p++) {
                        dst[offset + c * plane + p] = (byte) (base + (p % resolution) / 2 + r.nextInt(16));
                    }
                }
            }

            @Override
            public String description() {
                return "synthetic " + count + " images " + resolution + "x" + resolution;
            }
        };
    }

    /** Packs {@code count} synthetic images at {@code resolution} into {@code dir} and times the loader over them. */
    public static Result packed(Path dir, int count, int resolution, int batchSize, int batches, ComputeDevice device) {
        Path file = dir.resolve("bench-" + resolution + PackedFormat.EXTENSION);
        Packer.pack(synthetic(count, resolution, 10), file, "synthetic", 1, false);
        try {
            return time("packed file", PackedImages.open(file), batchSize, batches, 1, device);
        } finally {
            deleteQuietly(file);
        }
    }

    /**
     * Writes {@code count} JPEGs of 256 to 400 px (random aspect) in 10 class folders under
     * {@code dir}, then times the loader decoding them at {@code resolution} with {@code workers}
     * decoding threads.
     */
    public static Result jpegFolder(Path dir, int count, int resolution, int batchSize, int batches, int workers,
                                    ComputeDevice device) {
        Path root = dir.resolve("jpegs");
        try {
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < count; i++) {
                Path classDir = root.resolve("class" + (i % 10));
                Files.createDirectories(classDir);
                int w = 256 + r.nextInt(145);
                int h = 256 + r.nextInt(145);
                byte[] chw = new byte[3 * w * h];
                for (int c = 0; c < 3; c++) {
                    int base = r.nextInt(128);
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            chw[(c * h + y) * w + x] = (byte) (base + (x + y) / 8 + r.nextInt(24));
                        }
                    }
                }
                ImageIO.write(ImageDecoding.toBufferedImage(new ImageBytes(3, h, w, chw)), "jpg",
                        classDir.resolve("img" + i + ".jpg").toFile());
            }
            return time("jpeg folder", ImageFiles.folder(root, resolution, 3, null), batchSize, batches, workers, device);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write benchmark JPEGs in " + root + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(root);
        }
    }

    /** Times {@code batches} batches after {@code batches / 10 + 1} warm-up batches. */
    static Result time(String name, LabelledImages data, int batchSize, int batches, int workers, ComputeDevice device) {
        LoaderOptions options = LoaderOptions.of(batchSize, 0).withFlip(true).withWorkers(workers);
        try (DataLoader loader = new DataLoader(data, options, device)) {
            int warmup = batches / 10 + 1;
            for (int i = 0; i < warmup; i++) {
                NativeMemory.scoped(() -> {
                    loader.next();
                });
            }
            long start = System.nanoTime();
            long images = 0;
            for (int i = 0; i < batches; i++) {
                images += NativeMemory.scoped(() -> loader.next().images().size(0));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(name, data.resolution(), images, seconds, images / seconds);
        }
    }

    private static void deleteQuietly(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
