package org.biggan4j.data;

import org.biggan4j.image.AreaResize;
import org.biggan4j.image.UnreadableImageException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batches for training, prepared ahead by a background thread.
 *
 * <p>Threads and native memory: the background thread works only with Java arrays (uint8
 * pixels, labels); it never touches libtorch. {@link #next()} turns the bytes into tensors on the
 * calling thread, inside whatever {@code PointerScope} the caller has open (JavaCPP scopes are
 * thread-local, so tensors made on another thread would escape the caller's scope).
 *
 * <p>Determinism: epoch {@code e}'s order is drawn from a stream derived from the seed and
 * {@code e}; each sample's flip and multi-label draw from a stream derived from the seed, the
 * epoch and its place in the epoch. The batch sequence is therefore a pure function of the seed
 * and the {@link LoaderPosition}: saving {@link #position()} and constructing a new loader from it
 * with the same options continues the sequence exactly. (A different batch size resumes at the
 * same sample of the same epoch order, with the same flips and label draws per sample.)
 *
 * <p>Unreadable images (file-backed data only) are skipped with a warning: the slot takes the
 * next image of the epoch order, so a bad file changes which image fills its slot but not the
 * determinism. {@link #skippedImages()} counts them.
 */
public final class DataLoader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);

    private final LabelledImages data;
    private final LoaderOptions options;
    private final ComputeDevice device;
    private final int resolution;
    private final int batchesPerEpoch;
    private final long sampleSeed;
    private final BlockingQueue<HostBatch> queue;
    private final Thread producer;
    private final ExecutorService decoders;
    private final Set<Integer> unreadable = ConcurrentHashMap.newKeySet();
    private final AtomicInteger skipped = new AtomicInteger();
    private final int[][] byClass;
    private volatile boolean running = true;
    private LoaderPosition position;

    /** A batch made by the background thread: plain Java arrays only. */
    private record HostBatch(byte[] pixels, long[] labels, int[] indices, LoaderPosition after, Throwable error) {
    }

    /** A loader from the start of epoch 0. */
    public DataLoader(LabelledImages data, LoaderOptions options, ComputeDevice device) {
        this(data, options, device, LoaderPosition.start(options.seed(), data.count()));
    }

    /**
     * A loader continuing from {@code start} (a position saved from a loader over the same data
     * with the same seed).
     *
     * @throws IllegalArgumentException when {@code start} belongs to another seed or dataset size,
     *                                  or the batch size exceeds the dataset
     */
    public DataLoader(LabelledImages data, LoaderOptions options, ComputeDevice device, LoaderPosition start) {
        this.data = data;
        this.options = options;
        this.device = device;
        if (options.batchSize() > data.count()) {
            throw new IllegalArgumentException("The batch size " + options.batchSize() + " exceeds the "
                    + data.count() + " images of " + data.description() + ": use a smaller --batch-size.");
        }
        if (start.seed() != options.seed() || start.datasetCount() != data.count()) {
            throw new IllegalArgumentException("The saved loader position belongs to seed " + start.seed() + " and "
                    + start.datasetCount() + " images, but this run has seed " + options.seed() + " and "
                    + data.count() + " images: resume with the same data and seed.");
        }
        int r = options.modelResolution() == 0 ? data.resolution() : options.modelResolution();
        if (r < data.resolution() && options.fit() == LoaderOptions.Fit.PAD) {
            throw new IllegalArgumentException("The model resolution " + r + " is smaller than the data's "
                    + data.resolution() + ": padding cannot shrink images; use fit RESIZE or prepare the data at " + r + ".");
        }
        this.resolution = r;
        this.batchesPerEpoch = data.count() / options.batchSize();
        this.sampleSeed = Seeds.derive(options.seed(), "loader/sample");
        this.byClass = options.sampling() == LoaderOptions.Sampling.CLASS_BALANCED ? groupByClass(data) : null;
        this.position = normalise(start);
        this.queue = new ArrayBlockingQueue<>(options.prefetch());
        this.decoders = data.decodesFiles() && options.workers() > 1
                ? Executors.newFixedThreadPool(options.workers(), daemon("biggan4j-decode")) : null;
        this.producer = daemon("biggan4j-loader").newThread(this::produce);
        producer.start();
    }

    /** The side of the images this loader delivers. */
    public int resolution() {
        return resolution;
    }

    /** Full batches per epoch (the last partial batch is dropped). */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** The dataset. */
    public LabelledImages data() {
        return data;
    }

    /** The position after the last batch returned by {@link #next()} (the start if none yet). */
    public synchronized LoaderPosition position() {
        return position;
    }

    /** Images skipped so far because they could not be decoded. */
    public int skippedImages() {
        return skipped.get();
    }

    /**
     * The next batch (with sharding, this process's slice of the next global batch), as tensors
     * on the loader's device created on this thread. Blocks until the
     * background thread has it ready.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Batch next() {
        HostBatch hb;
        try {
            if (!running) {
                throw new IllegalStateException("This data loader is closed.");
            }
            hb = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a batch.", e);
        }
        if (hb.error() != null) {
            running = false;
            if (hb.error() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("The data loader failed: " + hb.error().getMessage(), hb.error());
        }
        int n = hb.indices().length;
        Tensor images = Batches.images(hb.pixels(), n, data.channels(), resolution, device); // [B, C, R, R]
        Tensor labels = Batches.labels(hb.labels(), device);                                  // [B]
        synchronized (this) {
            position = hb.after();
        }
        return new Batch(images, labels, hb.indices(), hb.after());
    }

    /** Stops the background thread (and decoders); pending batches are dropped. */
    @Override
    public void close() {
        running = false;
        producer.interrupt();
        if (decoders != null) {
            decoders.shutdownNow();
        }
        try {
            producer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }

    // ---------------------------------------------------------------- background thread

    private void produce() {
        LoaderPosition at = position;
        long orderEpoch = -1;
        int[] order = null;
        try {
            while (running) {
                if (at.epoch() != orderEpoch) {
                    order = epochOrder(at.epoch());
                    orderEpoch = at.epoch();
                }
                HostBatch batch = assemble(order, at);
                queue.put(batch);
                at = batch.after();
            }
        } catch (InterruptedException e) {
            // close(): exit quietly.
        } catch (Throwable t) {
            if (running) {
                try {
                    queue.put(new HostBatch(null, null, null, at, t));
                } catch (InterruptedException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** The order of epoch {@code epoch}: a permutation, the identity, or class-balanced draws. */
    int[] epochOrder(long epoch) {
        int n = data.count();
        int[] order = new int[n];
        SplittableRandom random = Seeds.stream(options.seed(), "loader/order/" + epoch);
        if (byClass != null) {
            for (int i = 0; i < n; i++) {
                int[] members = byClass[random.nextInt(byClass.length)];
                order[i] = members[random.nextInt(members.length)];
            }
            return order;
        }
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (options.shuffle()) {
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    private HostBatch assemble(int[] order, LoaderPosition at) throws InterruptedException {
        // This process's slice of the global batch (all of it without sharding): the places and
        // hence the samples, flips and label draws are those a single process would give its
        // rows [first - indexInEpoch, first - indexInEpoch + b).
        int b = options.shard().size(options.batchSize());
        int size = data.channels() * resolution * resolution;
        byte[] pixels = new byte[b * size];
        long[] labels = new long[b];
        int[] indices = new int[b];
        int first = (int) at.indexInEpoch() + options.shard().index() * b;
        if (decoders == null) {
            byte[] scratch = new byte[data.imageBytes()];
            for (int k = 0; k < b; k++) {
                fill(order, first + k, at.epoch(), pixels, k * size, labels, indices, k, scratch);
            }
        } else {
            List<Future<?>> futures = new ArrayList<>(b);
            for (int k = 0; k < b; k++) {
                int slot = k;
                futures.add(decoders.submit(() -> fill(order, first + slot, at.epoch(), pixels, slot * size, labels,
                        indices, slot, new byte[data.imageBytes()])));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            }
        }
        return new HostBatch(pixels, labels, indices, advance(at), null);
    }

    /** Fills slot {@code slot} with the sample at {@code place} of the epoch order. */
    private void fill(int[] order, int place, long epoch, byte[] pixels, int offset, long[] labels, int[] indices,
                      int slot, byte[] scratch) {
        int n = order.length;
        int index = -1;
        for (int tries = 0; tries < n; tries++) {
            int candidate = order[(place + tries) % n];
            if (unreadable.contains(candidate)) {
                continue;
            }
            try {
                data.read(candidate, scratch, 0);
                index = candidate;
                break;
            } catch (UnreadableImageException e) {
                if (unreadable.add(candidate)) {
                    skipped.incrementAndGet();
                    LOG.warn("Skipping an unreadable image: {}", e.getMessage());
                }
            }
        }
        if (index < 0) {
            throw new DataFormatException("None of the " + n + " images of " + data.description()
                    + " could be read: check the files (the warnings above name them).");
        }
        SplittableRandom random = new SplittableRandom(mix(sampleSeed, epoch, place));
        labels[slot] = data.drawLabel(index, random);
        indices[slot] = index;
        boolean flip = options.flip() && random.nextBoolean();
        shape(scratch, pixels, offset, flip);
    }

    /** Copies one image into its slot at the model resolution, flipped horizontally if asked. */
    private void shape(byte[] image, byte[] out, int offset, boolean flip) {
        int c = data.channels();
        int r = data.resolution();
        byte[] src = image;
        int side = r;
        int pad = 0;
        if (resolution != r) {
            if (options.fit() == LoaderOptions.Fit.RESIZE) {
                src = AreaResize.resizeSquare(image, c, r, resolution);
                side = resolution;
            } else {
                pad = (resolution - r) / 2; // out is zero-filled: 0 becomes -1 in the tensor
            }
        }
        int outSide = resolution;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < side; y++) {
                int from = (ch * side + y) * side;
                int to = offset + (ch * outSide + y + pad) * outSide + pad;
                if (!flip) {
                    System.arraycopy(src, from, out, to, side);
                } else {
                    // A horizontal flip of the whole padded image mirrors the pad too: with an odd
                    // excess the image moves by one pixel, as torch.flip of the padded tensor would.
                    int mirrored = offset + (ch * outSide + y + pad) * outSide + (outSide - pad - side);
                    for (int x = 0; x < side; x++) {
                        out[mirrored + side - 1 - x] = src[from + x];
                    }
                }
            }
        }
    }

    private LoaderPosition advance(LoaderPosition at) {
        return normalise(new LoaderPosition(at.seed(), at.datasetCount(), at.epoch(),
                at.indexInEpoch() + options.batchSize()));
    }

    /** Drop-last: a position with no full batch left in its epoch moves to the next epoch's start. */
    private LoaderPosition normalise(LoaderPosition p) {
        if (p.indexInEpoch() + options.batchSize() > data.count()) {
            return new LoaderPosition(p.seed(), p.datasetCount(), p.epoch() + 1, 0);
        }
        return p;
    }

    private static int[][] groupByClass(LabelledImages data) {
        List<List<Integer>> groups = new ArrayList<>();
        for (int c = 0; c < data.classCount(); c++) {
            groups.add(new ArrayList<>());
        }
        for (int i = 0; i < data.count(); i++) {
            groups.get(data.label(i)).add(i);
        }
        return groups.stream().filter(g -> !g.isEmpty())
                .map(g -> g.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    private static long mix(long seed, long epoch, long place) {
        long h = seed + epoch * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h += place * 0xD1B54A32D192ED03L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
