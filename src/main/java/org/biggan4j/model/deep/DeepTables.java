package org.biggan4j.model.deep;

import java.util.Map;

/**
 * BigGAN-deep's tables (Brock et al. 2019, appendix B, table 7-9). Generator: one entry per
 * block, {upsample, in multiplier, out multiplier}, two blocks per resolution (the second
 * resamples), exactly as the published models list them. Discriminator (BigGAN-PyTorch's BigGAN-deep): stages of two blocks,
 * the first of a stage changes channels and downsamples.
 */
final class DeepTables {

    record GTable(int[][] blocks) {
    }

    record DTable(int[] in, int[] out, boolean[] down) {
    }

    static final Map<Integer, GTable> GENERATOR = Map.of(
            64, new GTable(new int[][] {{0, 16, 16}, {1, 16, 16}, {0, 16, 16}, {1, 16, 8}, {0, 8, 8}, {1, 8, 4},
                    {0, 4, 4}, {1, 4, 2}}),
            128, new GTable(new int[][] {{0, 16, 16}, {1, 16, 16}, {0, 16, 16}, {1, 16, 8}, {0, 8, 8}, {1, 8, 4},
                    {0, 4, 4}, {1, 4, 2}, {0, 2, 2}, {1, 2, 1}}),
            256, new GTable(new int[][] {{0, 16, 16}, {1, 16, 16}, {0, 16, 16}, {1, 16, 8}, {0, 8, 8}, {1, 8, 8},
                    {0, 8, 8}, {1, 8, 4}, {0, 4, 4}, {1, 4, 2}, {0, 2, 2}, {1, 2, 1}}),
            512, new GTable(new int[][] {{0, 16, 16}, {1, 16, 16}, {0, 16, 16}, {1, 16, 8}, {0, 8, 8}, {1, 8, 8},
                    {0, 8, 8}, {1, 8, 4}, {0, 4, 4}, {1, 4, 2}, {0, 2, 2}, {1, 2, 1}, {0, 1, 1}, {1, 1, 1}}));

    static final Map<Integer, DTable> DISCRIMINATOR = Map.of(
            64, new DTable(new int[] {1, 2, 4, 8}, new int[] {2, 4, 8, 16}, new boolean[] {true, true, true, false}),
            128, new DTable(new int[] {1, 2, 4, 8, 16}, new int[] {2, 4, 8, 16, 16},
                    new boolean[] {true, true, true, true, false}),
            256, new DTable(new int[] {1, 2, 4, 8, 8, 16}, new int[] {2, 4, 8, 8, 16, 16},
                    new boolean[] {true, true, true, true, true, false}),
            512, new DTable(new int[] {1, 1, 2, 4, 8, 8, 16}, new int[] {1, 2, 4, 8, 8, 16, 16},
                    new boolean[] {true, true, true, true, true, true, false}));

    private DeepTables() {
    }

    static <T> T lookup(Map<Integer, T> tables, int resolution) {
        T t = tables.get(resolution);
        if (t == null) {
            throw new IllegalArgumentException("BigGAN-deep has no " + resolution + " px configuration: use one of "
                    + tables.keySet().stream().sorted().toList() + ".");
        }
        return t;
    }
}
