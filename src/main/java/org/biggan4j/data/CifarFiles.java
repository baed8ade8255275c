package org.biggan4j.data;

import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.MemoryBudget;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CIFAR binary formats (Krizhevsky 2009): 32x32 RGB images stored as records of label
 * byte(s) then 3072 bytes (1024 red, 1024 green, 1024 blue, each row-major), which is already
 * CHW. CIFAR-10 ({@code data_batch_1..5.bin}, {@code test_batch.bin}, class names in
 * {@code batches.meta.txt}) has one label byte; CIFAR-100 ({@code train.bin}, {@code test.bin},
 * {@code fine_label_names.txt}) has a coarse then a fine label byte, and the fine one is used.
 */
public final class CifarFiles {

    private static final int SIDE = 32;
    private static final int IMAGE = 3 * SIDE * SIDE;

    private CifarFiles() {
    }

    /** Which CIFAR variant a folder holds. */
    public enum Variant {
        CIFAR10(1, 10, "batches.meta.txt"),
        CIFAR100(2, 100, "fine_label_names.txt");

        final int labelBytes;
        final int classes;
        final String namesFile;

        Variant(int labelBytes, int classes, String namesFile) {
            this.labelBytes = labelBytes;
            this.classes = classes;
            this.namesFile = namesFile;
        }
    }

    /** The variant in {@code dir}, or {@code null} if it holds no CIFAR batches. */
    public static Variant detect(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        if (Files.isRegularFile(dir.resolve("train.bin")) || Files.isRegularFile(dir.resolve("test.bin"))) {
            return Variant.CIFAR100;
        }
        if (Files.isRegularFile(dir.resolve("test_batch.bin")) || !batchFiles(dir).isEmpty()) {
            return Variant.CIFAR10;
        }
        return null;
    }

    /** Reads the CIFAR batches of {@code split} in {@code dir}. */
    public static ArrayImages read(Path dir, DataOptions.Split split, List<String> classNames) {
        Variant variant = detect(dir);
        if (variant == null) {
            throw new DataFormatException("Folder " + dir + " holds no CIFAR batches (data_batch_N.bin, test_batch.bin,"
                    + " train.bin or test.bin): point --data at the extracted cifar-*-bin folder.");
        }
        List<Path> files = new ArrayList<>();
        if (variant == Variant.CIFAR10) {
            if (split.includes(DataOptions.Split.TRAIN)) {
                files.addAll(batchFiles(dir));
            }
            if (split.includes(DataOptions.Split.TEST) && Files.isRegularFile(dir.resolve("test_batch.bin"))) {
                files.add(dir.resolve("test_batch.bin"));
            }
        } else {
            if (split.includes(DataOptions.Split.TRAIN) && Files.isRegularFile(dir.resolve("train.bin"))) {
                files.add(dir.resolve("train.bin"));
            }
            if (split.includes(DataOptions.Split.TEST) && Files.isRegularFile(dir.resolve("test.bin"))) {
                files.add(dir.resolve("test.bin"));
            }
        }
        if (files.isEmpty()) {
            throw new DataFormatException("Folder " + dir + " has no " + split.name().toLowerCase()
                    + " batches of " + variant + ": choose another split or add the files.");
        }
        int record = variant.labelBytes + IMAGE;
        long total = 0;
        for (Path f : files) {
            long size = size(f);
            if (size == 0 || size % record != 0) {
                throw new DataFormatException("File " + f + " is truncated or not a " + variant + " batch: its "
                        + size + " bytes are not a whole number of " + record + "-byte records; download it again.");
            }
            total += size / record;
        }
        // Sizes were checked against the files; the memory must exist too (a sparse file passes the size check).
        long pixelBytes = total * IMAGE;
        if (pixelBytes > BoundedReads.MAX_ARRAY) {
            throw new DataFormatException("The CIFAR files in " + dir + " hold " + total + " records, too many to keep "
                    + "in memory: split them into several folders.");
        }
        MemoryBudget.heap(dir, total + " CIFAR images", pixelBytes + 4 * total);
        byte[] pixels = new byte[(int) pixelBytes];
        int[] labels = new int[(int) total];
        int n = 0;
        int maxLabel = 0;
        byte[] rec = new byte[record];
        for (Path f : files) {
            // Record by record into the one pixel array: no second copy of a whole batch file.
            long records = size(f) / record;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                for (long r = 0; r < records; r++) {
                    if (in.readNBytes(rec, 0, record) != record) {
                        throw new DataFormatException("File " + f + " shrank while it was read: read it again.");
                    }
                    // CIFAR-100: the fine label is the second byte.
                    labels[n] = rec[variant.labelBytes - 1] & 0xFF;
                    maxLabel = Math.max(maxLabel, labels[n]);
                    System.arraycopy(rec, variant.labelBytes, pixels, n * IMAGE, IMAGE);
                    n++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + f + ": " + e.getMessage(), e);
            }
        }
        List<String> names = classNames != null ? classNames : classNames(dir, variant);
        if (maxLabel >= names.size()) {
            throw new DataFormatException("File(s) in " + dir + " hold label " + maxLabel + " but " + names.size()
                    + " class names are known: the batches do not match " + variant.namesFile + ".");
        }
        return new ArrayImages(pixels, labels, 3, SIDE, names,
                variant + " " + dir + " (" + split.name().toLowerCase() + ", " + total + " images)");
    }

    private static List<String> classNames(Path dir, Variant variant) {
        Path file = dir.resolve(variant.namesFile);
        if (Files.isRegularFile(file)) {
            try {
                List<String> names = TextFiles.lines(file).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
                if (!names.isEmpty()) {
                    return names;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
            }
        }
        return IdxFiles.digits(variant.classes);
    }

    private static List<Path> batchFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("data_batch_\\d+\\.bin")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + dir + ".", e);
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + f + ".", e);
        }
    }
}
