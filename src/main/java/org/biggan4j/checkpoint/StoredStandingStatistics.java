package org.biggan4j.checkpoint;

import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Standing statistics kept inside a checkpoint, one set per weights ({@code generator_ema} or
 * {@code generator}) and truncation, so that sampling and evaluation reuse the statistics of a
 * long pass (the paper's 100 batches) instead of recomputing them, and every tool that samples
 * the checkpoint at that truncation sees the same BatchNorm state.
 *
 * <p>Each set is a tensor group {@code standing_<weights>_t<truncation>} (truncation 0 = none);
 * the manifest's state lists what was computed and how under {@value #STATE_KEY}.
 */
public final class StoredStandingStatistics {

    /** Key of the list of stored sets in the checkpoint's state JSON. */
    public static final String STATE_KEY = "standing_statistics";

    /** How one stored set was computed. */
    public record Entry(String weights, double truncation, int batches, int batchSize, long seed) {
        public String group() {
            return groupName(weights, truncation);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("group", group());
            m.put("weights", weights);
            m.put("truncation", truncation);
            m.put("batches", batches);
            m.put("batch_size", batchSize);
            m.put("seed", seed);
            return m;
        }
    }

    private StoredStandingStatistics() {
    }

    /** The tensor group of the statistics of {@code weights} at {@code truncation}. */
    public static String groupName(String weights, double truncation) {
        return "standing_" + weights + "_t" + BigDecimal.valueOf(truncation).stripTrailingZeros().toPlainString();
    }

    /** The sets a checkpoint lists, in stored order. */
    public static List<Entry> entries(CheckpointData data) {
        return data.state().standingStatistics();
    }

    /**
     * The statistics stored for {@code weights}, by truncation, taken out of the checkpoint's
     * tensors (they outlive the caller's scope: the caller owns them).
     */
    public static Map<Double, Map<String, Tensor>> of(CheckpointData data, String weights) {
        Map<Double, Map<String, Tensor>> out = new TreeMap<>();
        for (Entry e : entries(data)) {
            Map<String, Tensor> group = data.tensorGroups().get(e.group());
            if (e.weights().equals(weights) && group != null) {
                Map<String, Tensor> kept = new LinkedHashMap<>();
                group.forEach((name, t) -> kept.put(name, NativeMemory.keep(t)));
                out.put(e.truncation(), kept);
            }
        }
        return out;
    }

    /**
     * Adds {@code statistics} (truncation to buffers) to the checkpoint, replacing sets of the
     * same weights and truncation; the file is rewritten atomically, so a crash leaves the old one.
     */
    public static void store(Path checkpoint, String weights, Map<Double, Map<String, Tensor>> statistics, int batches,
                             int batchSize, long seed) {
        NativeMemory.scoped(() -> {
            CheckpointData data = CheckpointFile.read(checkpoint, ComputeDevice.CPU);
            Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>(data.tensorGroups());
            List<Entry> listed = new ArrayList<>();
            for (Entry e : entries(data)) {
                if (!(e.weights().equals(weights) && statistics.containsKey(e.truncation()))) {
                    listed.add(e);
                }
            }
            statistics.forEach((t, buffers) -> {
                Entry e = new Entry(weights, t, batches, batchSize, seed);
                groups.put(e.group(), buffers);
                listed.add(e);
            });
            RunState state = data.state().withStandingStatistics(listed);
            try {
                CheckpointFile.write(checkpoint, new CheckpointData(data.iteration(), data.configJson(),
                        data.provenance(), state, data.metrics(), groups, data.blobs()));
            } catch (IOException ex) {
                throw new UncheckedIOException("Could not rewrite " + checkpoint + ": " + ex.getMessage(), ex);
            }
        });
    }
}
