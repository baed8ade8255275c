package org.biggan4j.data;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Where a {@link DataLoader} stands: the next batch starts at sample {@code indexInEpoch} of
 * epoch {@code epoch}. The loader's randomness (epoch order, flips, multi-label draws) is a pure
 * function of the seed, the epoch and the sample's place in the epoch, so no generator state is
 * needed: a loader restored from this position yields exactly the batches the saved one would
 * have. A checkpoint stores it (as JSON, see {@link #toJson}).
 *
 * @param seed         the loader seed the position belongs to (checked on restore)
 * @param datasetCount the number of images of the dataset (checked on restore)
 * @param epoch        the epoch, from 0
 * @param indexInEpoch samples of this epoch already delivered
 */
public record LoaderPosition(long seed, int datasetCount, long epoch, long indexInEpoch) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public LoaderPosition {
        if (epoch < 0 || indexInEpoch < 0 || datasetCount <= 0) {
            throw new IllegalArgumentException("A loader position needs epoch >= 0, index >= 0 and a positive count, got "
                    + "epoch " + epoch + ", index " + indexInEpoch + ", count " + datasetCount + ".");
        }
    }

    /** The start of epoch 0. */
    public static LoaderPosition start(long seed, int datasetCount) {
        return new LoaderPosition(seed, datasetCount, 0, 0);
    }

    /** This position as a JSON object. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not serialise a loader position.", e);
        }
    }

    /**
     * Parses {@link #toJson}'s output.
     *
     * @throws IllegalArgumentException for text that is not a loader position
     */
    public static LoaderPosition fromJson(String json) {
        try {
            return JSON.readValue(json, LoaderPosition.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("Not a loader position: '" + json + "' (" + e.getMessage()
                    .lines().findFirst().orElse("") + ").", e);
        }
    }
}
