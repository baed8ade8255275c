package org.biggan4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small helpers of the data readers' fuzz tests. */
final class DataFuzzSupport {

    private DataFuzzSupport() {
    }

    /** Reads every image and label of {@code images}: a reader must fail on open or serve them all. */
    static void touchAll(LabelledImages images) {
        for (int i = 0; i < images.count(); i++) {
            images.image(i);
            images.labels(i);
        }
    }

    /** Deletes {@code dir} and everything in it. */
    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
