package org.biggan4j.data;

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
}
