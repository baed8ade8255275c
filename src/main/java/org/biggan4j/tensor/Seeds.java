package org.biggan4j.tensor;

import org.bytedeco.pytorch.global.torch;

import java.util.SplittableRandom;

/**
 * One seed drives everything: libtorch's CPU and CUDA generators, data order and Java-side
 * randomness. Derived streams are split by a fixed label, so adding a new consumer of
 * randomness does not shift the numbers an existing consumer sees.
 */
public final class Seeds {

    private Seeds() {
    }

    /** Seeds libtorch's default generators (CPU and, when present, every CUDA device). */
    public static void seedTorch(long seed) {
        torch.manual_seed(seed);
        if (torch.cuda_is_available()) {
            torch.cuda_manual_seed_all(seed);
        }
    }

    /**
     * A Java random stream derived from the run seed and a label naming its consumer
     * (for example {@code "loader"}); the same pair always yields the same stream.
     */
    public static SplittableRandom stream(long seed, String label) {
        return new SplittableRandom(mix(seed, label));
    }

    /** A 64-bit seed derived from the run seed and a label (for consumers that need a long). */
    public static long derive(long seed, String label) {
        return mix(seed, label);
    }

    private static long mix(long seed, String label) {
        long h = seed ^ 0x9E3779B97F4A7C15L;
        for (int i = 0; i < label.length(); i++) {
            h = (h ^ label.charAt(i)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        // SplitMix64 finaliser: spreads nearby (seed, label) pairs over the whole range.
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }
}
