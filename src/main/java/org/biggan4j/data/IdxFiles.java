package org.biggan4j.data;

import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;
import org.biggan4j.io.MemoryBudget;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

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

        /** The size in bytes, or -1 when unknown (a resource). */
        default long size() throws IOException {
            return -1;
        }

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

                @Override
                public long size() throws IOException {
                    return Files.size(file);
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
            Part part = readPair(pair);
            if (side >= 0 && side != part.side) {
                throw new DataFormatException("File " + pair.images().name() + " holds " + part.side + "x" + part.side
                        + " images but the other idx files hold " + side + "x" + side + ": keep one dataset per folder.");
            }
            side = part.side;
            imageParts.add(part.pixels);
            labelParts.add(part.labels);
            total += part.labels.length;
        }
        if (total == 0) {
            throw new DataFormatException("The idx files in " + name + " hold no images (their headers say 0): "
                    + "download them again.");
        }
        long bytes = total * side * side;   // each part was checked below 2 GiB, so no overflow
        if (bytes > BoundedReads.MAX_ARRAY) {
            throw new DataFormatException("The idx files in " + name + " hold " + total + " images, too many to keep in"
                    + " memory: pack them with 'biggan4j prepare' first.");
        }
        // One pair (the common case) is used as read; several are concatenated, train first.
        byte[] pixels;
        if (imageParts.size() == 1) {
            pixels = imageParts.get(0);
        } else {
            MemoryBudget.heap(name, "concatenating the idx files", bytes);
            pixels = new byte[(int) bytes];
            int pos = 0;
            for (byte[] im : imageParts) {
                System.arraycopy(im, 0, pixels, pos, im.length);
                pos += im.length;
            }
        }
        int[] labels = new int[(int) total];
        int li = 0;
        int maxLabel = 0;
        for (byte[] lab : labelParts) {
            for (byte b : lab) {
                labels[li] = b & 0xFF;
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

    /** The pixels (without header) and labels of one pair, and the side of its images. */
    private record Part(byte[] pixels, byte[] labels, int side) {
    }

    /**
     * Reads one pair, header first: counts and sizes are checked in 64-bit arithmetic against the
     * file's real size (raw files), {@link InputLimits} and the heap before anything is allocated,
     * and the data is read only up to what the header promises (a gzip member that inflates past it
     * is refused after one byte).
     */
    private static Part readPair(Pair pair) {
        Source imagesSource = pair.images();
        Source labelsSource = pair.labels();
        String imagesName = imagesSource.name();
        String labelsName = labelsSource.name();
        try (IdxStream stream = open(imagesSource); IdxStream labelStream = open(labelsSource)) {
            ByteBuffer ib = ByteBuffer.wrap(stream.header(16, IMAGES_MAGIC, "idx3 images"));
            ByteBuffer lb = ByteBuffer.wrap(labelStream.header(8, LABELS_MAGIC, "idx1 labels"));
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
            long pixelsPerImage = (long) rows * cols;
            InputLimits.check(imagesName, "an image of " + rows + "x" + cols + " pixels", pixelsPerImage,
                    InputLimits.current().imagePixels(), "image_pixels");
            long dataBytes = BoundedReads.multiply(imagesName, "the pixel count of " + n + " images of " + rows + "x"
                    + cols, n, pixelsPerImage);
            long expected = 16L + dataBytes;
            stream.requireSize(expected, n + " images of " + rows + "x" + cols);
            int nl = lb.getInt(4);
            if (nl != n) {
                throw new DataFormatException("Image and label counts differ: " + imagesName + " holds " + n
                        + " images but " + labelsName + " holds " + nl + " labels; use the labels file of the same set.");
            }
            labelStream.requireSize(8L + n, n + " labels");
            MemoryBudget.heap(imagesName, n + " images of " + rows + "x" + cols, dataBytes);
            byte[] pixels = stream.body(dataBytes, n + " images of " + rows + "x" + cols);
            byte[] labels = labelStream.body(n, n + " labels");
            return new Part(pixels, labels, rows);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + imagesName + ": " + e.getMessage(), e);
        }
    }

    /** Class names "0", "1", ... */
    static List<String> digits(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    /** An idx file opened for a header-first read, gunzipped when its bytes say so. */
    private static final class IdxStream implements AutoCloseable {
        private final Source source;
        private final InputStream in;
        private final long rawSize;

        IdxStream(Source source, InputStream in, long rawSize) {
            this.source = source;
            this.in = in;
            this.rawSize = rawSize;
        }

        /** The first {@code length} bytes, which must start with {@code magic}. */
        byte[] header(int length, int magic, String kind) throws IOException {
            byte[] h = gunzipping(() -> in.readNBytes(length));
            if (h.length < 4 || ByteBuffer.wrap(h).getInt(0) != magic) {
                throw new DataFormatException("File " + source.name() + " is not an " + kind + " file (magic "
                        + (h.length < 4 ? "missing" : String.format("0x%08x", ByteBuffer.wrap(h).getInt(0)))
                        + String.format(", expected 0x%08x", magic) + "): check the path or download it again.");
            }
            if (h.length < length) {
                throw truncated(length, h.length, "a " + length + "-byte header");
            }
            return h;
        }

        /** For a raw file, whose size is known before reading: it must be exactly {@code expected} bytes. */
        void requireSize(long expected, String what) {
            if (rawSize >= 0 && rawSize != expected) {
                throw truncated(expected, rawSize, what);
            }
        }

        /** The next {@code n} bytes, then the end of the data. */
        byte[] body(long n, String what) throws IOException {
            // A raw file's size was checked against the header, so its data is allocated once; a gzip
            // stream's is not known, so its buffer grows only as bytes really arrive.
            byte[] b = gunzipping(() -> rawSize >= 0 ? exactly(n) : MemoryBudget.readUpTo(in, n));
            if (b.length < n) {
                throw truncated(n, b.length, what);
            }
            if (gunzipping(() -> in.read() >= 0 ? new byte[1] : new byte[0]).length > 0) {
                throw new DataFormatException("File " + source.name() + " is damaged: it holds more bytes than its header"
                        + " promises (" + what + "); download it again.");
            }
            return b;
        }

        private byte[] exactly(long n) throws IOException {
            byte[] b = new byte[(int) n];
            int got = in.readNBytes(b, 0, b.length);
            return got == b.length ? b : Arrays.copyOf(b, got);
        }

        /** Runs a read, turning gzip damage into a one-line refusal naming this file. */
        private byte[] gunzipping(IoRead read) throws IOException {
            try {
                return read.run();
            } catch (EOFException e) {
                throw new DataFormatException("File " + source.name() + " is truncated (the gzip stream ends early):"
                        + " download it again.", e);
            } catch (ZipException e) {
                throw new DataFormatException("File " + source.name() + " is a damaged gzip file ("
                        + oneLine(e.getMessage()) + "): download it again.", e);
            }
        }

        private DataFormatException truncated(long expected, long got, String what) {
            return new DataFormatException("File " + source.name() + " is truncated or damaged: its header promises "
                    + what + " (" + expected + " bytes) but it holds " + got + " bytes; download it again.");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private interface IoRead {
        byte[] run() throws IOException;
    }

    private static IdxStream open(Source source) throws IOException {
        InputStream raw = new BufferedInputStream(source.open(), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                try {
                    return new IdxStream(source, new GZIPInputStream(raw, 1 << 16), -1);
                } catch (EOFException | ZipException e) {
                    // The gzip header itself is read here: damage in it is damage, not an I/O fault.
                    throw new DataFormatException("File " + source.name() + " is a damaged gzip file ("
                            + oneLine(e.getMessage()) + "): download it again.", e);
                }
            }
            return new IdxStream(source, raw, source.size());
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("\\p{Cntrl}+", " ");
    }
}
