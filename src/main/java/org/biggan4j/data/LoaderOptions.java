package org.biggan4j.data;

/**
 * How a {@link DataLoader} draws and shapes batches.
 *
 * @param batchSize       images per batch; the last partial batch of an epoch is dropped
 * @param seed            the run seed; the loader derives its own streams from it
 * @param shuffle         a new random order every epoch (else dataset order)
 * @param flip            random horizontal flips, probability 1/2 (BigGAN-PyTorch's
 *                        {@code RandomHorizontalFlip} for ImageNet)
 * @param sampling        uniform over images, or balanced over classes
 * @param modelResolution the side the model expects; 0 means the data's own
 * @param fit             how data of another side reaches {@code modelResolution}
 * @param prefetch        batches prepared ahead by the background thread (at least 1)
 * @param workers         decoding threads for file-backed data (at least 1)
 * @param shard           which part of every batch this process reads (data-parallel training):
 *                        {@code batchSize} is the global batch, and this process receives its
 *                        {@link Shard#size slice} of it
 */
public record LoaderOptions(int batchSize, long seed, boolean shuffle, boolean flip, Sampling sampling,
                            int modelResolution, Fit fit, int prefetch, int workers, Shard shard) {

    /**
     * Process {@code index} of {@code count} reading disjoint slices of every global batch: the
     * epoch order is the same on every process (it depends on the seed only), and process i
     * takes places {@code [i * B / count, (i + 1) * B / count)} of each batch of B. The union of
     * the slices is exactly the batch one process would read alone, so positions (and
     * checkpoints) are global and a run resumes under any number of processes.
     */
    public record Shard(int index, int count) {
        /** One process reading whole batches. */
        public static final Shard WHOLE = new Shard(0, 1);

        public Shard {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("A shard needs 0 <= index < count, got " + index + " of " + count
                        + ".");
            }
        }

        /** This process's share of a global batch of {@code batch}. */
        public int size(int batch) {
            return batch / count;
        }
    }

    /** How images are drawn within an epoch. */
    public enum Sampling {
        /** Every image once per epoch (in shuffled order when {@code shuffle}). */
        UNIFORM,
        /**
         * Each draw picks a class uniformly, then an image of it uniformly (with replacement);
         * an epoch is {@code count} draws. For imbalanced data, so rare classes are seen as often
         * as common ones. Multi-label data is balanced over images' first labels.
         */
        CLASS_BALANCED
    }

    /** How images reach a model resolution other than the data's. */
    public enum Fit {
        /** Centre the image and pad with -1 (black), for example 28 px Fashion-MNIST in 32 px models. */
        PAD,
        /** Area-resample (see {@link org.biggan4j.image.AreaResize}). */
        RESIZE;

        /**
         * How training fits data to a model: pad images a little smaller than the model (28 px
         * Fashion-MNIST in a 32 px model; padding keeps strokes sharp), resample everything else.
         * Evaluation and nearest-neighbour search use the same rule, so they see what D saw.
         */
        public static Fit of(int dataResolution, int modelResolution) {
            return dataResolution < modelResolution && dataResolution * 5 >= modelResolution * 4 ? PAD : RESIZE;
        }
    }

    public LoaderOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("The batch size must be at least 1, got " + batchSize + ".");
        }
        if (modelResolution != 0) {
            DataOptions.checkResolution(modelResolution);
        }
        if (prefetch < 1 || workers < 1) {
            throw new IllegalArgumentException("The loader needs prefetch >= 1 and workers >= 1, got prefetch "
                    + prefetch + " and workers " + workers + ".");
        }
        if (sampling == null || fit == null) {
            throw new IllegalArgumentException("Sampling and fit must be given.");
        }
        shard = shard == null ? Shard.WHOLE : shard;
        if (batchSize % shard.count() != 0) {
            throw new IllegalArgumentException("The batch size " + batchSize + " is not divisible by the "
                    + shard.count() + " processes: choose a multiple of " + shard.count() + ".");
        }
    }

    /** Shuffled, no flips, uniform, the data's resolution, 4 batches ahead, one worker per core (at most 4). */
    public static LoaderOptions of(int batchSize, long seed) {
        return new LoaderOptions(batchSize, seed, true, false, Sampling.UNIFORM, 0, Fit.PAD, 4,
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), Shard.WHOLE);
    }

    public LoaderOptions withShuffle(boolean s) {
        return new LoaderOptions(batchSize, seed, s, flip, sampling, modelResolution, fit, prefetch, workers, shard);
    }

    public LoaderOptions withFlip(boolean f) {
        return new LoaderOptions(batchSize, seed, shuffle, f, sampling, modelResolution, fit, prefetch, workers, shard);
    }

    public LoaderOptions withSampling(Sampling s) {
        return new LoaderOptions(batchSize, seed, shuffle, flip, s, modelResolution, fit, prefetch, workers, shard);
    }

    public LoaderOptions withModelResolution(int r, Fit f) {
        return new LoaderOptions(batchSize, seed, shuffle, flip, sampling, r, f, prefetch, workers, shard);
    }

    public LoaderOptions withPrefetch(int p) {
        return new LoaderOptions(batchSize, seed, shuffle, flip, sampling, modelResolution, fit, p, workers, shard);
    }

    public LoaderOptions withWorkers(int w) {
        return new LoaderOptions(batchSize, seed, shuffle, flip, sampling, modelResolution, fit, prefetch, w, shard);
    }

    /** Reads only {@code s}'s slice of every batch (see {@link Shard}). */
    public LoaderOptions withShard(Shard s) {
        return new LoaderOptions(batchSize, seed, shuffle, flip, sampling, modelResolution, fit, prefetch, workers, s);
    }
}
