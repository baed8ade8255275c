package org.biggan4j.serve.sampler;

import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last few generators loaded (G_ema when the checkpoint has it), most recently used last: a
 * sampler page asks for many images of one checkpoint, and loading a BigGAN checkpoint takes
 * seconds. A checkpoint rewritten since it was loaded (same path, new size or time) is loaded
 * again. An evicted generator's native memory is freed at once ({@link TrainedGenerator#release}):
 * a 512 px BigGAN-deep holds about 0.5 GB. Used from the sampler's one worker thread only.
 */
final class ModelCache implements AutoCloseable {

    private record Key(Path file, FileTime modified, long size) {
    }

    private final int capacity;
    private final ComputeDevice device;
    private final LinkedHashMap<Key, TrainedGenerator> models = new LinkedHashMap<>(4, 0.75f, true);
    private int loads;

    /**
     * @param capacity generators kept (at least 1)
     * @param device   where they are loaded
     */
    ModelCache(int capacity, ComputeDevice device) {
        if (capacity < 1) {
            throw new IllegalArgumentException("The model cache needs room for at least one generator.");
        }
        this.capacity = capacity;
        this.device = device;
    }

    /** The generator of {@code checkpoint}, loaded now or earlier. */
    TrainedGenerator get(Path checkpoint) {
        Key key;
        try {
            Path real = checkpoint.toRealPath();
            key = new Key(real, Files.getLastModifiedTime(real), Files.size(real));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
        TrainedGenerator cached = models.get(key);
        if (cached != null) {
            return cached;
        }
        // A stale version of the same file goes first.
        for (Iterator<Map.Entry<Key, TrainedGenerator>> it = models.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, TrainedGenerator> e = it.next();
            if (e.getKey().file().equals(key.file())) {
                e.getValue().release();
                it.remove();
            }
        }
        while (models.size() >= capacity) {
            Iterator<Map.Entry<Key, TrainedGenerator>> eldest = models.entrySet().iterator();
            eldest.next().getValue().release();
            eldest.remove();
        }
        TrainedGenerator loaded = TrainedGenerator.load(key.file(), true, device);
        loads++;
        models.put(key, loaded);
        return loaded;
    }

    /** Generators loaded so far (for tests: a second request for one checkpoint loads nothing). */
    int loads() {
        return loads;
    }

    /** Generators held now. */
    int size() {
        return models.size();
    }

    @Override
    public void close() {
        models.values().forEach(TrainedGenerator::release);
        models.clear();
    }
}
