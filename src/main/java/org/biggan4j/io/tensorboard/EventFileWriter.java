package org.biggan4j.io.tensorboard;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * One TensorBoard event file, {@code events.out.tfevents.<unix seconds>.<host>} in a folder:
 * TFRecords ({@link TfRecords}) each holding one {@code Event} (TensorFlow
 * {@code tensorflow/core/util/event.proto}); the first carries {@code file_version =
 * "brain.Event:2"}, as TensorFlow's own writer does, which tells TensorBoard that restarts are
 * marked with {@code SessionLog.START} events ({@link #sessionStart}). Scalars, PNG images and
 * histograms are {@code Summary.Value}s ({@code tensorflow/core/framework/summary.proto}).
 *
 * <p>Records are buffered and reach the file on {@link #flush} and {@link #close}; TensorBoard
 * reads a growing file, so a training run flushes once per iteration it writes. Not thread-safe.
 */
public final class EventFileWriter implements Closeable {

    /** The version string TensorFlow 1.x and 2.x write into the first event of every file. */
    public static final String FILE_VERSION = "brain.Event:2";
    /** Buckets of a {@link #histogram}: equal widths between the values' min and max. */
    public static final int HISTOGRAM_BUCKETS = 30;

    // Event (event.proto)
    private static final int EVENT_WALL_TIME = 1;
    private static final int EVENT_STEP = 2;
    private static final int EVENT_FILE_VERSION = 3;
    private static final int EVENT_SUMMARY = 5;
    private static final int EVENT_SESSION_LOG = 7;
    // SessionLog (event.proto)
    private static final int SESSION_LOG_STATUS = 1;
    private static final int SESSION_LOG_START = 1;
    // Summary and Summary.Value (summary.proto)
    private static final int SUMMARY_VALUE = 1;
    private static final int VALUE_TAG = 1;
    private static final int VALUE_SIMPLE_VALUE = 2;
    private static final int VALUE_IMAGE = 4;
    private static final int VALUE_HISTO = 5;
    // Summary.Image
    private static final int IMAGE_HEIGHT = 1;
    private static final int IMAGE_WIDTH = 2;
    private static final int IMAGE_COLORSPACE = 3;
    private static final int IMAGE_ENCODED = 4;
    // HistogramProto
    private static final int HISTO_MIN = 1;
    private static final int HISTO_MAX = 2;
    private static final int HISTO_NUM = 3;
    private static final int HISTO_SUM = 4;
    private static final int HISTO_SUM_SQUARES = 5;
    private static final int HISTO_BUCKET_LIMIT = 6;
    private static final int HISTO_BUCKET = 7;

    private final Path file;
    private final OutputStream out;

    private EventFileWriter(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Creates {@code folder} when missing and a new event file in it, named after the current
     * time and this host (with {@code .1}, {@code .2} ... appended when a file of that name exists,
     * which sorts after it, as TensorBoard wants: it reads the files of a folder in name order),
     * and writes the file-version event.
     */
    public static EventFileWriter create(Path folder) throws IOException {
        Files.createDirectories(folder);
        String base = String.format(Locale.ROOT, "events.out.tfevents.%010d.%s", System.currentTimeMillis() / 1000,
                host());
        Path file = folder.resolve(base);
        for (int k = 1; Files.exists(file); k++) {
            file = folder.resolve(base + "." + k);
        }
        OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE));
        EventFileWriter writer = new EventFileWriter(file, stream);
        writer.event(0, new ProtoWriter().string(EVENT_FILE_VERSION, FILE_VERSION));
        writer.flush();
        return writer;
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    /**
     * Marks a (re)start at {@code step}: TensorBoard then drops the data it read with steps at or
     * after {@code step} (written by a process that crashed or rolled back after its last
     * checkpoint), as it does for TensorFlow's {@code SessionLog.START}.
     */
    public void sessionStart(long step) throws IOException {
        event(step, new ProtoWriter().message(EVENT_SESSION_LOG,
                new ProtoWriter().int64(SESSION_LOG_STATUS, SESSION_LOG_START)));
    }

    /** One event with a scalar per entry (float32, as TensorBoard stores them; NaN and infinities pass). */
    public void scalars(long step, Map<String, Double> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        ProtoWriter summary = new ProtoWriter();
        values.forEach((tag, v) -> summary.message(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, tag)
                .float32(VALUE_SIMPLE_VALUE, v.floatValue())));
        summaryEvent(step, summary);
    }

    /**
     * An image summary of an encoded PNG, its size and colour space read from the PNG header
     * (colour space as {@code Summary.Image} counts it: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA).
     */
    public void png(long step, String tag, byte[] png) throws IOException {
        PngHeader h = PngHeader.of(png);
        ProtoWriter image = new ProtoWriter().int64(IMAGE_HEIGHT, h.height()).int64(IMAGE_WIDTH, h.width())
                .int64(IMAGE_COLORSPACE, h.channels()).bytes(IMAGE_ENCODED, png);
        summaryEvent(step, new ProtoWriter().message(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, tag)
                .message(VALUE_IMAGE, image)));
    }

    /**
     * A histogram of {@code values} (non-finite ones left out; nothing is written when none is
     * left) in {@value #HISTOGRAM_BUCKETS} equal-width buckets from their min to their max.
     * {@code bucket_limit[i]} is the right edge of bucket i; TensorBoard takes the left edge of
     * bucket 0 from {@code min}, and the last limit is {@code max} itself.
     */
    public void histogram(long step, String tag, double[] values) throws IOException {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return;
        }
        double min = v[0];
        double max = v[v.length - 1];
        int buckets = max > min ? HISTOGRAM_BUCKETS : 1;
        double width = (max - min) / buckets;
        double[] limits = new double[buckets];
        double[] counts = new double[buckets];
        for (int i = 0; i < buckets; i++) {
            limits[i] = i == buckets - 1 ? max : min + (i + 1) * width;
        }
        double sum = 0;
        double squares = 0;
        for (double x : v) {
            int b = buckets == 1 ? 0 : Math.min(buckets - 1, (int) ((x - min) / width));
            counts[b]++;
            sum += x;
            squares += x * x;
        }
        ProtoWriter histo = new ProtoWriter().float64(HISTO_MIN, min).float64(HISTO_MAX, max)
                .float64(HISTO_NUM, v.length).float64(HISTO_SUM, sum).float64(HISTO_SUM_SQUARES, squares)
                .packedDoubles(HISTO_BUCKET_LIMIT, limits).packedDoubles(HISTO_BUCKET, counts);
        summaryEvent(step, new ProtoWriter().message(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, tag)
                .message(VALUE_HISTO, histo)));
    }

    /** Pushes buffered records to the file. */
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void summaryEvent(long step, ProtoWriter summary) throws IOException {
        event(step, new ProtoWriter().message(EVENT_SUMMARY, summary));
    }

    private void event(long step, ProtoWriter what) throws IOException {
        byte[] body = what.toByteArray();
        ProtoWriter event = new ProtoWriter().float64(EVENT_WALL_TIME, System.currentTimeMillis() / 1000.0);
        if (step != 0) {
            event.int64(EVENT_STEP, step);
        }
        byte[] head = event.toByteArray();
        byte[] record = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, record, head.length, body.length);
        TfRecords.write(out, record);
    }

    /** This host's name for the file name (letters, digits, dots and dashes), or "localhost". */
    private static String host() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        String safe = name.replaceAll("[^A-Za-z0-9.-]", "_");
        return safe.isEmpty() ? "localhost" : safe;
    }

    /** Width, height and channels from a PNG's IHDR chunk (PNG specification, section 11.2.2). */
    private record PngHeader(int width, int height, int channels) {
        static PngHeader of(byte[] png) {
            if (png.length < 26 || (png[0] & 0xFF) != 0x89 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
                throw new IllegalArgumentException("Not a PNG: an image summary takes PNG bytes.");
            }
            int width = bigEndian(png, 16);
            int height = bigEndian(png, 20);
            int channels = switch (png[25]) {
                case 0 -> 1;      // grey
                case 4 -> 2;      // grey + alpha
                case 6 -> 4;      // RGBA
                default -> 3;     // RGB, palette
            };
            return new PngHeader(width, height, channels);
        }

        private static int bigEndian(byte[] b, int at) {
            return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
        }
    }
}
