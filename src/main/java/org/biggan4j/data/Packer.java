package org.biggan4j.data;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.image.UnreadableImageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a {@link LabelledImages} into one packed file (see {@link PackedFormat}), decoding in
 * parallel and writing in order in one pass. Every label is known before decoding, so the header
 * space is reserved up front from the header with all candidates (the final header, with skipped
 * images left out, is never longer) and written last. The file appears atomically: a temporary
 * file in the target folder, forced to disk, renamed; on any failure nothing is left behind.
 */
public final class Packer {

    private static final Logger LOG = LoggerFactory.getLogger(Packer.class);

    /** Room for the skipped counts and other fields that grow after the reservation. */
    private static final int HEADER_SLACK = 1024;

    private Packer() {
    }

    /**
     * What a pack produced.
     *
     * @param file    the packed file
     * @param count   images written
     * @param scanned images the source listed
     * @param skipped images left out, by reason
     * @param bytes   file size
     */
    public record Summary(Path file, int count, int scanned, Map<String, Integer> skipped, long bytes) {

        /** Total skipped images. */
        public int skippedTotal() {
            return skipped.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** One line for the console. */
        public String describe() {
            String skips = skipped.isEmpty() ? "none skipped" : skippedTotal() + " skipped (" + String.join(", ",
                    skipped.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList()) + ")";
            return String.format("Packed %d of %d images into %s (%.1f MB), %s.", count, scanned, file,
                    bytes / 1e6, skips);
        }
    }

    /**
     * Packs {@code source} into {@code out}.
     *
     * @param sourceName the source path for the header's provenance
     * @param workers    decoding threads for file-backed sources (at least 1)
     * @param progress   whether to show a progress bar on stderr
     * @throws DataFormatException when no image could be read
     */
    public static Summary pack(LabelledImages source, Path out, String sourceName, int workers, boolean progress) {
        if (workers < 1) {
            throw new IllegalArgumentException("Packing needs at least 1 worker, got " + workers + ".");
        }
        Path target = out.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new DataFormatException("Output " + out + " is a folder: give a file name, for example "
                    + out.resolve("data" + PackedFormat.EXTENSION) + ".");
        }
        int n = source.count();
        int imageBytes = source.imageBytes();
        boolean multi = source.multiLabel();
        String preprocessing = source.description();
        String created = Instant.now().toString();

        // Reserve the header from the candidate header (all images, maximal counts).
        int[] allLabels = multi ? null : new int[n];
        int[][] allLists = multi ? new int[n][] : null;
        for (int i = 0; i < n; i++) {
            if (multi) {
                allLists[i] = source.labels(i);
            } else {
                allLabels[i] = source.label(i);
            }
        }
        Map<String, Integer> maxSkips = new TreeMap<>();
        for (String reason : List.of("corrupt", "truncated", "cmyk", "unsupported", "missing")) {
            maxSkips.put(reason, n);
        }
        PackedHeader candidate = new PackedHeader(PackedFormat.VERSION, source.resolution(), source.channels(), n,
                allLabels, allLists, source.classNames(), sourceName, preprocessing, maxSkips, Long.MAX_VALUE, created);
        int reserved = json(candidate).length + HEADER_SLACK;
        long dataOffset = PackedFormat.align(PackedFormat.PREAMBLE + (long) reserved);

        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the folder of " + out + ": " + e.getMessage(), e);
        }
        Map<String, Integer> skipped = new TreeMap<>();
        int[] keptCount = new int[1];
        int threads = source.decodesFiles() ? workers : 1;
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "biggan4j-pack");
            t.setDaemon(true);
            return t;
        }) : null;
        try (ProgressBar bar = progress ? bar(n) : null) {
            AtomicFiles.writeChannel(target, channel -> {
                List<Integer> kept = new ArrayList<>(n);
                long position = dataOffset;
                int chunk = Math.max(16, threads * 16);
                for (int start = 0; start < n; start += chunk) {
                    int size = Math.min(chunk, n - start);
                    byte[] buffer = new byte[size * imageBytes];
                    UnreadableImageException[] failures = decodeChunk(source, start, size, buffer, pool);
                    int written = 0;
                    for (int k = 0; k < size; k++) {
                        if (failures[k] != null) {
                            LOG.warn("Skipping image {}: {}", start + k, failures[k].getMessage());
                            skipped.merge(failures[k].reason(), 1, Integer::sum);
                            continue;
                        }
                        if (written != k) {
                            System.arraycopy(buffer, k * imageBytes, buffer, written * imageBytes, imageBytes);
                        }
                        written++;
                        kept.add(start + k);
                    }
                    ByteBuffer data = ByteBuffer.wrap(buffer, 0, written * imageBytes);
                    while (data.hasRemaining()) {
                        position += channel.write(data, position);
                    }
                    if (bar != null) {
                        bar.stepBy(size);
                    }
                }
                if (kept.isEmpty()) {
                    throw new DataFormatException("None of the " + n + " images of " + sourceName + " could be read ("
                            + skipped + "): check the files (the warnings above name them).");
                }
                keptCount[0] = kept.size();
                int[] labels = multi ? null : kept.stream().mapToInt(i -> allLabels[i]).toArray();
                int[][] lists = multi ? kept.stream().map(i -> allLists[i]).toArray(int[][]::new) : null;
                PackedHeader header = new PackedHeader(PackedFormat.VERSION, source.resolution(), source.channels(),
                        kept.size(), labels, lists, source.classNames(), sourceName, preprocessing, skipped,
                        dataOffset, created);
                byte[] text = json(header);
                if (text.length > reserved) {
                    throw new IllegalStateException("The packed header outgrew its reservation (" + text.length + " > "
                            + reserved + " bytes); this is a bug in biggan4j.");
                }
                ByteBuffer head = ByteBuffer.allocate(PackedFormat.PREAMBLE + reserved).order(ByteOrder.LITTLE_ENDIAN);
                head.put(PackedFormat.MAGIC).putInt(reserved).put(text);
                while (head.hasRemaining()) {
                    head.put((byte) ' ');
                }
                head.flip();
                long p = 0;
                while (head.hasRemaining()) {
                    p += channel.write(head, p);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + out + ": " + e.getMessage(), e);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        long bytes;
        try {
            bytes = Files.size(target);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + out + ".", e);
        }
        return new Summary(target, keptCount[0], n, skipped, bytes);
    }

    /** Reads {@code size} images from {@code start} into {@code buffer}; failures by slot. */
    private static UnreadableImageException[] decodeChunk(LabelledImages source, int start, int size, byte[] buffer,
                                                          ExecutorService pool) throws IOException {
        int imageBytes = source.imageBytes();
        UnreadableImageException[] failures = new UnreadableImageException[size];
        if (pool == null) {
            for (int k = 0; k < size; k++) {
                try {
                    source.read(start + k, buffer, k * imageBytes);
                } catch (UnreadableImageException e) {
                    failures[k] = e;
                }
            }
            return failures;
        }
        List<Future<?>> futures = new ArrayList<>(size);
        for (int k = 0; k < size; k++) {
            int slot = k;
            futures.add(pool.submit(() -> {
                try {
                    source.read(start + slot, buffer, slot * imageBytes);
                } catch (UnreadableImageException e) {
                    failures[slot] = e;
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while packing", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new IOException(cause);
            }
        }
        return failures;
    }

    private static ProgressBar bar(int n) {
        return new ProgressBarBuilder().setTaskName("Packing").setInitialMax(n).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500)
                .showSpeed().build();
    }

    private static byte[] json(PackedHeader header) {
        try {
            return PackedFormat.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not serialise the packed header.", e);
        }
    }
}
