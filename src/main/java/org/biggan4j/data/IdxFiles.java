package org.biggan4j.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The idx format of MNIST and Fashion-MNIST (LeCun et al.): an images file
 * ({@code *-images-idx3-ubyte}, magic 0x00000803, count, rows, columns, then pixels row-major)
 * and a labels file ({@code *-labels-idx1-ubyte}, magic 0x00000801, count, then one byte per
 * label), raw or gzipped (detected from the bytes, not the name). Several pairs (train and t10k)
 * concatenate into one dataset.
 */
public final class IdxFiles {

    /** Fashion-MNIST's classes in label order (Xiao et al. 2017, the dataset's README). */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final Pattern IMAGES = Pattern.compile("(.+)-images[.-]idx3-ubyte(\\.gz)?");
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxFiles() {
    }

    /** A source of bytes with a name for messages (a file or a bundled resource). */
    public interface Source {
        String name();

        InputStream open() throws IOException;

        /** A file on disk. */
        static Source of(Path file) {
            return new Source() {
                @Override
                public String name() {
                    return file.toString();
                }

                @Override
                public InputStream open() throws IOException {
                    return Files.newInputStream(file);
                }
            };
        }

        /** A classpath resource (the bundled Fashion-MNIST t10k files). */
        static Source resource(String path) {
            return new Source() {
                @Override
                public String name() {
                    return "classpath:" + path;
                }

                @Override
                public InputStream open() throws IOException {
                    InputStream in = IdxFiles.class.getResourceAsStream(path);
                    if (in == null) {
                        throw new IOException("the bundled resource " + path + " is missing from the jar");
                    }
                    return in;
                }
            };
        }
    }

    /** One images file and its labels file, with the split its name says (train or test). */
    public record Pair(Source images, Source labels, DataOptions.Split split) {
    }

    /** True when {@code file}'s name is an idx images file name. */
    public static boolean isImagesFile(Path file) {
        return IMAGES.matcher(file.getFileName().toString()).matches();
    }

    /** True when {@code dir} holds at least one idx images file. */
    public static boolean isIdxFolder(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(IdxFiles::isImagesFile);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The pairs in {@code dir} (or the single pair of an images file), train before test.
     *
     * @throws DataFormatException when an images file has no labels file beside it
     */
    public static List<Pair> pairs(Path pathOrDir) {
        List<Path> imageFiles = new ArrayList<>();
        if (Files.isDirectory(pathOrDir)) {
            try (Stream<Path> files = Files.list(pathOrDir)) {
                files.filter(IdxFiles::isImagesFile).sorted().forEach(imageFiles::add);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not list " + pathOrDir + ".", e);
            }
        } else {
            imageFiles.add(pathOrDir);
        }
        List<Pair> pairs = new ArrayList<>();
        for (Path images : imageFiles) {
            Matcher m = IMAGES.matcher(images.getFileName().toString());
            if (!m.matches()) {
                throw new DataFormatException("File " + images + " is not named like an idx images file "
                        + "(PREFIX-images-idx3-ubyte[.gz]): rename it or point --data at its folder.");
            }
            String prefix = m.group(1);
            Path labels = null;
            for (String name : List.of(prefix + "-labels-idx1-ubyte.gz", prefix + "-labels-idx1-ubyte",
                    prefix + "-labels.idx1-ubyte.gz", prefix + "-labels.idx1-ubyte")) {
                Path candidate = images.resolveSibling(name);
                if (Files.isRegularFile(candidate)) {
                    labels = candidate;
                    break;
                }
            }
            if (labels == null) {
                throw new DataFormatException("Images file " + images + " has no labels file beside it: add "
                        + prefix + "-labels-idx1-ubyte[.gz] to " + images.toAbsolutePath().getParent() + ".");
            }
            String lower = prefix.toLowerCase(Locale.ROOT);
            DataOptions.Split split = lower.startsWith("t10k") || lower.startsWith("test")
                    ? DataOptions.Split.TEST : DataOptions.Split.TRAIN;
            pairs.add(new Pair(Source.of(images), Source.of(labels), split));
        }
        // Train first, then test: the order of the 70k Fashion-MNIST set is train + t10k.
        pairs.sort((a, b) -> a.split().compareTo(b.split()));
        return pairs;
    }

    /** True when the path (or a resource name) looks like Fashion-MNIST. */
    public static boolean looksLikeFashionMnist(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.contains("fashion");
    }

    /**
     * Reads and concatenates {@code pairs}.
     *
     * @param classNames class names, or {@code null} for Fashion-MNIST's when {@code name} looks
     *                   like Fashion-MNIST and digits otherwise
     * @param name       the dataset's name for messages and provenance
     */
    public static ArrayImages read(List<Pair> pairs, List<String> classNames, String name) {
        if (pairs.isEmpty()) {
            throw new DataFormatException("No idx images files in " + name
                    + ": expected PREFIX-images-idx3-ubyte[.gz] with PREFIX-labels-idx1-ubyte[.gz].");
        }
        List<byte[]> imageParts = new ArrayList<>();
        List<byte[]> labelParts = new ArrayList<>();
        int side = -1;
        long total = 0;
        for (Pair pair : pairs) {
            byte[] imageBytes = readAll(pair.images());
            byte[] labelBytes = readAll(pair.labels());
            ByteBuffer ib = ByteBuffer.wrap(imageBytes);
            ByteBuffer lb = ByteBuffer.wrap(labelBytes);
            String imagesName = pair.images().name();
            String labelsName = pair.labels().name();
            if (imageBytes.length < 16 || ib.getInt(0) != IMAGES_MAGIC) {
                throw new DataFormatException("File " + imagesName + " is not an idx3 images file (magic "
                        + (imageBytes.length < 4 ? "missing" : String.format("0x%08x", ib.getInt(0)))
                        + ", expected 0x00000803): check the path or download it again.");
            }
            if (labelBytes.length < 8 || lb.getInt(0) != LABELS_MAGIC) {
                throw new DataFormatException("File " + labelsName + " is not an idx1 labels file (magic "
                        + (labelBytes.length < 4 ? "missing" : String.format("0x%08x", lb.getInt(0)))
                        + ", expected 0x00000801): check the path or download it again.");
            }
            int n = ib.getInt(4);
            int rows = ib.getInt(8);
            int cols = ib.getInt(12);
            if (n < 0 || rows <= 0 || cols <= 0) {
                throw new DataFormatException("File " + imagesName + " has an invalid header (" + n + " images of "
                        + rows + "x" + cols + "): download it again.");
            }
            if (rows != cols) {
                throw new DataFormatException("File " + imagesName + " holds " + rows + "x" + cols
                        + " images; only square idx images are supported: crop them to squares first.");
            }
            long expected = 16L + (long) n * rows * cols;
            if (imageBytes.length != expected) {
                throw new DataFormatException("File " + imagesName + " is truncated or damaged: its header promises "
                        + n + " images of " + rows + "x" + cols + " (" + expected + " bytes) but it holds "
                        + imageBytes.length + " bytes; download it again.");
            }
            int nl = lb.getInt(4);
            if (labelBytes.length != 8L + Math.max(nl, 0)) {
                throw new DataFormatException("File " + labelsName + " is truncated or damaged: its header promises "
                        + nl + " labels (" + (8L + nl) + " bytes) but it holds " + labelBytes.length
                        + " bytes; download it again.");
            }
            if (nl != n) {
                throw new DataFormatException("Image and label counts differ: " + imagesName + " holds " + n
                        + " images but " + labelsName + " holds " + nl + " labels; use the labels file of the same set.");
            }
            if (side >= 0 && side != rows) {
                throw new DataFormatException("File " + imagesName + " holds " + rows + "x" + rows
                        + " images but the other idx files hold " + side + "x" + side + ": keep one dataset per folder.");
            }
            side = rows;
            imageParts.add(imageBytes);
            labelParts.add(labelBytes);
            total += n;
        }
        long bytes = total * side * side;
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new DataFormatException("The idx files in " + name + " hold " + total + " images, too many to keep in"
                    + " memory: pack them with 'biggan4j prepare' first.");
        }
        byte[] pixels = new byte[(int) bytes];
        int[] labels = new int[(int) total];
        int pos = 0;
        int li = 0;
        int maxLabel = 0;
        for (int p = 0; p < imageParts.size(); p++) {
            byte[] im = imageParts.get(p);
            System.arraycopy(im, 16, pixels, pos, im.length - 16);
            pos += im.length - 16;
            byte[] lab = labelParts.get(p);
            for (int k = 8; k < lab.length; k++) {
                labels[li] = lab[k] & 0xFF;
                maxLabel = Math.max(maxLabel, labels[li]);
                li++;
            }
        }
        List<String> names = classNames;
        if (names == null) {
            names = looksLikeFashionMnist(name) && maxLabel < 10 ? FASHION_MNIST_CLASSES : digits(Math.max(10, maxLabel + 1));
        }
        String splits = pairs.stream().map(pr -> pr.split().name().toLowerCase(Locale.ROOT)).distinct()
                .reduce((a, b) -> a + "+" + b).orElse("");
        return new ArrayImages(pixels, labels, 1, side, names,
                "idx " + name + " (" + splits + ", " + total + " images " + side + "x" + side + ")");
    }

    /** Class names "0", "1", ... */
    static List<String> digits(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    private static byte[] readAll(Source source) {
        try (InputStream raw = new BufferedInputStream(source.open(), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new DataFormatException("File " + source.name() + " is truncated (the gzip stream ends early):"
                    + " download it again.", e);
        } catch (java.util.zip.ZipException e) {
            throw new DataFormatException("File " + source.name() + " is a damaged gzip file (" + e.getMessage()
                    + "): download it again.", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + source.name() + ": " + e.getMessage(), e);
        }
    }
}
