package org.biggan4j.train;

import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.data.LoaderPosition;
import org.biggan4j.tensor.ComputeDevice;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training batches from a {@link DataLoader}, resumable: the position is the loader's
 * {@link LoaderPosition}; restoring replaces the loader with one that starts there.
 */
public final class LoaderBatchSource implements ResumableBatchSource {

    private final LabelledImages data;
    private final LoaderOptions options;
    private final ComputeDevice device;
    private final boolean conditional;
    private final String description;
    private DataLoader loader;

    /**
     * @param conditional false drops the labels (unconditional training)
     */
    public LoaderBatchSource(LabelledImages data, LoaderOptions options, ComputeDevice device, boolean conditional,
                             String description) {
        this.data = data;
        this.options = options;
        this.device = device;
        this.conditional = conditional;
        this.description = description;
        this.loader = new DataLoader(data, options, device);
    }

    @Override
    public RealBatch next() {
        Batch b = loader.next();
        return new RealBatch(b.images(), conditional ? b.labels() : null);
    }

    @Override
    public Map<String, Object> position() {
        LoaderPosition p = loader.position();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seed", p.seed());
        out.put("dataset_count", p.datasetCount());
        out.put("epoch", p.epoch());
        out.put("index_in_epoch", p.indexInEpoch());
        return out;
    }

    @Override
    public void restore(Map<String, Object> position) {
        LoaderPosition p = new LoaderPosition(((Number) position.get("seed")).longValue(),
                ((Number) position.get("dataset_count")).intValue(), ((Number) position.get("epoch")).longValue(),
                ((Number) position.get("index_in_epoch")).longValue());
        loader.close();
        loader = new DataLoader(data, options, device, p);
    }

    @Override
    public List<String> classNames() {
        return data.classNames();
    }

    @Override
    public String description() {
        return description;
    }

    /** Images skipped as unreadable so far. */
    public int skippedImages() {
        return loader.skippedImages();
    }

    @Override
    public void close() {
        loader.close();
    }
}
