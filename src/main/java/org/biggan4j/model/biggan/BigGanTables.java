package org.biggan4j.model.biggan;

import org.biggan4j.config.TrainConfig.Architecture;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The architectures as data: channel multipliers of each block by output resolution (BigGAN
 * appendix B, tables 4-6, as BigGAN-PyTorch builds them), for BigGAN and for the SNGAN/SA-GAN
 * ResNets that share its blocks. G starts from a 4x4 map and doubles the resolution in every
 * block; D halves it in every block but the last ones.
 */
public final class BigGanTables {

    /** Generator: input and output channel multipliers of each block (each block upsamples). */
    public record GTable(int[] in, int[] out) {
    }

    /** Discriminator: multipliers of each block (in[0] is ignored: the image) and which blocks downsample. */
    public record DTable(int[] in, int[] out, boolean[] down) {
    }

    private static final Map<Integer, GTable> BIGGAN_G = Map.of(
            32, new GTable(new int[] {4, 4, 4}, new int[] {4, 4, 4}),
            64, new GTable(new int[] {16, 16, 8, 4}, new int[] {16, 8, 4, 2}),
            128, new GTable(new int[] {16, 16, 8, 4, 2}, new int[] {16, 8, 4, 2, 1}),
            256, new GTable(new int[] {16, 16, 8, 8, 4, 2}, new int[] {16, 8, 8, 4, 2, 1}),
            512, new GTable(new int[] {16, 16, 8, 8, 4, 2, 1}, new int[] {16, 8, 8, 4, 2, 1, 1}));

    private static final Map<Integer, DTable> BIGGAN_D = Map.of(
            32, new DTable(new int[] {0, 4, 4, 4}, new int[] {4, 4, 4, 4}, new boolean[] {true, true, false, false}),
            64, new DTable(new int[] {0, 1, 2, 4, 8}, new int[] {1, 2, 4, 8, 16},
                    new boolean[] {true, true, true, true, false}),
            128, new DTable(new int[] {0, 1, 2, 4, 8, 16}, new int[] {1, 2, 4, 8, 16, 16},
                    new boolean[] {true, true, true, true, true, false}),
            256, new DTable(new int[] {0, 1, 2, 4, 8, 8, 16}, new int[] {1, 2, 4, 8, 8, 16, 16},
                    new boolean[] {true, true, true, true, true, true, false}),
            512, new DTable(new int[] {0, 1, 1, 2, 4, 8, 8, 16}, new int[] {1, 1, 2, 4, 8, 8, 16, 16},
                    new boolean[] {true, true, true, true, true, true, true, false}));

    /** SNGAN (Miyato et al. 2018, appendix B) and SA-GAN ResNets: G at 2ch (32 px) or 8ch..ch (64 px). */
    private static final Map<Integer, GTable> RESNET_G = Map.of(
            32, new GTable(new int[] {2, 2, 2}, new int[] {2, 2, 2}),
            64, new GTable(new int[] {16, 8, 4, 2}, new int[] {8, 4, 2, 1}));

    private static final Map<Integer, DTable> RESNET_D = Map.of(
            32, new DTable(new int[] {0, 1, 1, 1}, new int[] {1, 1, 1, 1}, new boolean[] {true, true, false, false}),
            64, new DTable(new int[] {0, 1, 2, 4, 8}, new int[] {1, 2, 4, 8, 16},
                    new boolean[] {true, true, true, true, false}));

    private BigGanTables() {
    }

    public static GTable generator(Architecture architecture, int resolution) {
        return lookup(architecture == Architecture.BIGGAN ? BIGGAN_G : RESNET_G, architecture, resolution);
    }

    public static DTable discriminator(Architecture architecture, int resolution) {
        return lookup(architecture == Architecture.BIGGAN ? BIGGAN_D : RESNET_D, architecture, resolution);
    }

    private static <T> T lookup(Map<Integer, T> tables, Architecture architecture, int resolution) {
        T t = tables.get(resolution);
        if (t == null) {
            throw new IllegalArgumentException("The " + architecture.name().toLowerCase(Locale.ROOT)
                    + " architecture has no " + resolution + " px configuration: use one of "
                    + tables.keySet().stream().sorted().toList() + ".");
        }
        return t;
    }
}
