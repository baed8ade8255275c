package org.biggan4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * The JSON header of a packed file (see {@link PackedFormat}).
 *
 * @param formatVersion {@link PackedFormat#VERSION} when written; readers reject newer versions
 * @param resolution    side of the square images
 * @param channels      1 or 3
 * @param count         number of images
 * @param labels        one label per image (single-label data), else {@code null}
 * @param labelLists    every label of every image (multi-label data), else {@code null}
 * @param classNames    class names indexed by label
 * @param source        the path the data came from
 * @param preprocessing how the images were made (crop, resampling, colour)
 * @param skipped       files left out, by reason ({@code corrupt}, {@code truncated}, ...)
 * @param dataOffset    byte offset of the first image (a multiple of {@link PackedFormat#ALIGNMENT})
 * @param created       ISO-8601 time of writing
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PackedHeader(int formatVersion, int resolution, int channels, int count, int[] labels,
                           int[][] labelLists, List<String> classNames, String source, String preprocessing,
                           Map<String, Integer> skipped, long dataOffset, String created) {

    /** Bytes per image. */
    public long imageBytes() {
        return (long) channels * resolution * resolution;
    }

    /** The file size this header implies. */
    public long expectedFileSize() {
        return dataOffset + imageBytes() * count;
    }

    /** A copy with another data offset. */
    PackedHeader withDataOffset(long offset) {
        return new PackedHeader(formatVersion, resolution, channels, count, labels, labelLists, classNames, source,
                preprocessing, skipped, offset, created);
    }
}
