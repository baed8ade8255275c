package org.biggan4j.train;

import java.util.List;
import java.util.Map;

/**
 * A {@link BatchSource} whose position can be saved in a checkpoint and restored, so that a
 * resumed run sees exactly the batches the uninterrupted run would have seen.
 */
public interface ResumableBatchSource extends BatchSource, AutoCloseable {

    /** The position as JSON-serialisable values. */
    Map<String, Object> position();

    /** Continues from a position returned by {@link #position()}. */
    void restore(Map<String, Object> position);

    /** Class names, index = class id (empty when unlabelled). */
    List<String> classNames();

    /** Where the data comes from, for provenance. */
    String description();

    @Override
    void close();
}
