package org.biggan4j.eval.reference;

/**
 * What reference features depend on, and so what a cache entry is keyed by: the data, how it
 * was read, and the feature network. Two equal keys mean the same features.
 *
 * @param dataset     a dataset fingerprint ({@link Fingerprints#dataset}, {@link Fingerprints#resources})
 * @param readOptions how the images were read: split, resolution, channels, fit, count
 * @param network     the feature network's identity (weights hash, and for TorchScript its spec)
 */
public record ReferenceKey(String dataset, String readOptions, String network) {

    /** Bumped when the entry layout or the way features are computed changes. */
    static final int VERSION = 1;

    public ReferenceKey {
        if (dataset == null || dataset.isBlank() || readOptions == null || readOptions.isBlank()
                || network == null || network.isBlank()) {
            throw new IllegalArgumentException("A reference-features key needs a dataset fingerprint, the read "
                    + "options and the network identity.");
        }
    }

    /** The read options in canonical form. */
    public static String readOptions(String split, int resolution, int channels, String fit, int count) {
        return "split=" + split + ",resolution=" + resolution + ",channels=" + channels + ",fit=" + fit
                + ",count=" + count;
    }

    /** The entry's folder name: a hash of every field (the index inside repeats them in full). */
    public String digest() {
        return Fingerprints.sha256("biggan4j-reference v" + VERSION + "\n" + dataset + "\n" + readOptions + "\n"
                + network).substring(0, 32);
    }
}
