package org.biggan4j.data;

import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;
import org.biggan4j.io.MemoryBudget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A packed file (see {@link PackedFormat}) read through memory maps: reading an image is one
 * copy out of the page cache, with no decoding. Files over 2 GiB are mapped in chunks of whole
 * images. Thread-safe: reads use absolute positions only.
 */
public final class PackedImages implements LabelledImages {

    /** Largest single mapping; a chunk holds a whole number of images. */
    private static final long CHUNK_BYTES = 1L << 30;

    private final Path file;
    private final PackedHeader header;
    private final MappedByteBuffer[] chunks;
    private final int imagesPerChunk;
    private final int imageBytes;
    private final List<String> classNames;

    private PackedImages(Path file, PackedHeader header, MappedByteBuffer[] chunks, int imagesPerChunk) {
        this.file = file;
        this.header = header;
        this.chunks = chunks;
        this.imagesPerChunk = imagesPerChunk;
        this.imageBytes = (int) header.imageBytes();
        this.classNames = List.copyOf(header.classNames());
    }

    /** True when {@code file} starts with the packed magic. */
    public static boolean isPacked(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(PackedFormat.MAGIC.length);
            while (magic.hasRemaining() && ch.read(magic) > 0) {
                // fill
            }
            return !magic.hasRemaining() && Arrays.equals(magic.array(), PackedFormat.MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads only the header of {@code file}, validated against the file's size. */
    public static PackedHeader readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code file} and maps its images.
     *
     * @throws DataFormatException when it is not a packed file, is from a newer version, or its
     *                             header disagrees with its size
     */
    public static PackedImages open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            PackedHeader header = readHeader(file, ch);
            long imageBytes = header.imageBytes();
            int perChunk = (int) Math.max(1, CHUNK_BYTES / imageBytes);
            int nChunks = (int) ((header.count() + (long) perChunk - 1) / perChunk);
            MappedByteBuffer[] chunks = new MappedByteBuffer[nChunks];
            for (int k = 0; k < nChunks; k++) {
                long first = (long) k * perChunk;
                long n = Math.min(perChunk, header.count() - first);
                chunks[k] = ch.map(FileChannel.MapMode.READ_ONLY, header.dataOffset() + first * imageBytes,
                        n * imageBytes);
            }
            return new PackedImages(file, header, chunks, perChunk);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
    }

    private static PackedHeader readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(PackedFormat.PREAMBLE).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        if (pre.hasRemaining() || !Arrays.equals(Arrays.copyOf(pre.array(), PackedFormat.MAGIC.length), PackedFormat.MAGIC)) {
            throw new DataFormatException("File " + file + " is not a biggan4j packed file (no BG4JPACK magic): "
                    + "create it with 'biggan4j prepare --data SRC --out " + file.getFileName() + "'.");
        }
        int length = pre.getInt(PackedFormat.MAGIC.length);
        if (length <= 0 || PackedFormat.PREAMBLE + (long) length > size) {
            throw new DataFormatException("Packed file " + file + " is truncated: its header claims " + length
                    + " bytes but the file holds " + size + "; run 'biggan4j prepare' again.");
        }
        // The JSON header is read whole: bounded like any text (a sparse file can hold a 2 GB "header").
        InputLimits.check(file, "a packed header of " + MemoryBudget.bytes(length), length,
                InputLimits.current().textBytes(), "text_bytes");
        ByteBuffer json = ByteBuffer.allocate(length);
        readFully(ch, json, PackedFormat.PREAMBLE);
        PackedHeader h;
        try {
            h = PackedFormat.JSON.readValue(new String(json.array(), StandardCharsets.UTF_8).strip(), PackedHeader.class);
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException("Packed file " + file + " has a damaged header ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "): run 'biggan4j prepare' again.", e);
        }
        if (h == null) {
            throw new DataFormatException("Packed file " + file + " has an empty header: run 'biggan4j prepare' again.");
        }
        if (h.formatVersion() > PackedFormat.VERSION || h.formatVersion() < 1) {
            throw new DataFormatException("Packed file " + file + " has format version " + h.formatVersion()
                    + " but this biggan4j reads versions 1 to " + PackedFormat.VERSION
                    + ": update biggan4j or prepare the file again.");
        }
        if (h.channels() != 1 && h.channels() != 3) {
            throw new DataFormatException("Packed file " + file + " declares " + h.channels()
                    + " channels (1 or 3 expected): run 'biggan4j prepare' again.");
        }
        if (h.resolution() < DataOptions.MIN_RESOLUTION || h.resolution() > DataOptions.MAX_RESOLUTION) {
            throw new DataFormatException("Packed file " + file + " declares a resolution of " + h.resolution()
                    + " (" + DataOptions.MIN_RESOLUTION + " to " + DataOptions.MAX_RESOLUTION
                    + " expected): run 'biggan4j prepare' again.");
        }
        if (h.count() <= 0 || h.classNames() == null || h.classNames().isEmpty()) {
            throw new DataFormatException("Packed file " + file + " declares " + h.count() + " images and "
                    + (h.classNames() == null ? 0 : h.classNames().size()) + " classes: run 'biggan4j prepare' again.");
        }
        int labelled = h.labels() != null ? h.labels().length : h.labelLists() != null ? h.labelLists().length : -1;
        if (labelled != h.count()) {
            throw new DataFormatException("Packed file " + file + " declares " + h.count() + " images but "
                    + Math.max(labelled, 0) + " labels: run 'biggan4j prepare' again.");
        }
        if (h.classNames().contains(null)) {
            throw new DataFormatException("Packed file " + file + " has a null class name: run 'biggan4j prepare' again.");
        }
        if (h.dataOffset() < PackedFormat.PREAMBLE + (long) length) {
            throw new DataFormatException("Packed file " + file + " has a data offset (" + h.dataOffset()
                    + ") inside its header: run 'biggan4j prepare' again.");
        }
        // Checked arithmetic: a forged offset near 2^63 must not wrap round to the file's size.
        long expected = BoundedReads.add(file, "the data end", h.dataOffset(),
                BoundedReads.multiply(file, "the data size", h.imageBytes(), h.count()));
        if (expected != size) {
            throw new DataFormatException("Packed file " + file + " disagrees with its header: " + h.count() + " images of "
                    + h.channels() + "x" + h.resolution() + "x" + h.resolution() + " from offset " + h.dataOffset()
                    + " need " + expected + " bytes but the file holds " + size
                    + " (truncated or damaged copy); copy it again or run 'biggan4j prepare' again.");
        }
        int classes = h.classNames().size();
        if (h.labels() != null) {
            for (int i = 0; i < h.count(); i++) {
                checkLabel(file, i, h.labels()[i], classes);
            }
        } else {
            for (int i = 0; i < h.count(); i++) {
                int[] ls = h.labelLists()[i];
                if (ls == null || ls.length == 0) {
                    throw new DataFormatException("Packed file " + file + " gives image " + i
                            + " no labels: run 'biggan4j prepare' again.");
                }
                for (int l : ls) {
                    checkLabel(file, i, l, classes);
                }
            }
        }
        return h;
    }

    private static void checkLabel(Path file, int i, int label, int classes) {
        if (label < 0 || label >= classes) {
            throw new DataFormatException("Packed file " + file + " gives image " + i + " label " + label
                    + " outside its " + classes + " classes: run 'biggan4j prepare' again.");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
    }

    /** The header (provenance: source, preprocessing, skipped files). */
    public PackedHeader header() {
        return header;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    @Override
    public int count() {
        return header.count();
    }

    @Override
    public int channels() {
        return header.channels();
    }

    @Override
    public int resolution() {
        return header.resolution();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int index) {
        return header.labels() != null ? header.labels()[index] : header.labelLists()[index][0];
    }

    @Override
    public int[] labels(int index) {
        return header.labels() != null ? new int[] {header.labels()[index]} : header.labelLists()[index].clone();
    }

    @Override
    public boolean multiLabel() {
        return header.labelLists() != null;
    }

    @Override
    public int drawLabel(int index, SplittableRandom random) {
        if (header.labels() != null) {
            return header.labels()[index];
        }
        int[] all = header.labelLists()[index];
        return all.length == 1 ? all[0] : all[random.nextInt(all.length)];
    }

    @Override
    public void read(int index, byte[] dst, int offset) {
        if (index < 0 || index >= header.count()) {
            throw new IndexOutOfBoundsException("Image " + index + " of " + header.count());
        }
        MappedByteBuffer chunk = chunks[index / imagesPerChunk];
        chunk.get((index % imagesPerChunk) * imageBytes, dst, offset, imageBytes);
    }

    @Override
    public String description() {
        return "packed " + file + " (" + header.count() + " images " + header.resolution() + "x" + header.resolution()
                + "x" + header.channels() + " from " + header.source() + "; " + header.preprocessing() + ")";
    }
}
