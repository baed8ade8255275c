package org.biggan4j.augment;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.config.TrainConfig.AdaConfig;
import org.biggan4j.config.TrainConfig.AugmentConfig;
import org.biggan4j.tensor.Seeds;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ADA's adjustment of p (Karras et al. 2020): up while D overfits (r_t above the target), down
 * otherwise, by batch x interval / speed per interval, clamped to [0, 1], fixed for a target of 0,
 * and restored exactly from a checkpoint's JSON.
 */
class AdaControllerTest {

    /** The mean sign of synthetic D outputs on reals, as the step measures it. */
    private static double meanSign(Tensor realScores) {
        return torch.sign(realScores).mean().item_double();
    }

    @Test
    void pRisesWhileDScoresEveryRealPositiveAndStopsAtOne() {
        AdaController ada = new AdaController(0, 0.6, 1000, 4, 50);
        Seeds.seedTorch(1);
        Tensor overfit = torch.rand(64).add(Draws.s(0.1));                  // D(x_real) > 0 for all: r_t = 1
        for (int i = 0; i < 3; i++) {
            ada.observe(meanSign(overfit));
            assertEquals(0, ada.p(), "no change inside an interval");
        }
        ada.observe(meanSign(overfit));
        assertEquals(50 * 4 / 1000.0, ada.p(), 1e-15, "one step of batch x interval / speed");
        assertEquals(1, ada.rt());
        for (int i = 0; i < 100; i++) {
            ada.observe(meanSign(overfit));
        }
        assertEquals(1, ada.p(), "clamped at 1");
    }

    @Test
    void pFallsWhenDDoesNotOverfitAndStopsAtZero() {
        AdaController ada = new AdaController(0.5, 0.6, 1000, 2, 50);
        Seeds.seedTorch(2);
        Tensor balanced = torch.randn(1000);                                   // r_t near 0 < 0.6
        ada.observe(meanSign(balanced));
        ada.observe(meanSign(balanced));
        assertEquals(0.5 - 0.1, ada.p(), 1e-15);
        assertTrue(Math.abs(ada.rt()) < 0.15, "r_t of N(0, 1) outputs is near 0: " + ada.rt());
        for (int i = 0; i < 100; i++) {
            ada.observe(-1);
        }
        assertEquals(0, ada.p(), "clamped at 0");
    }

    @Test
    void aTargetOfZeroKeepsPFixed() {
        AdaController ada = new AdaController(0.3, 0, 1000, 1, 50);
        assertFalse(ada.adaptive());
        for (int i = 0; i < 20; i++) {
            ada.observe(1);
        }
        assertEquals(0.3, ada.p());
    }

    @Test
    void theStateRoundTripsThroughJsonExactlyMidInterval() throws Exception {
        AdaController a = new AdaController(0.1, 0.6, 3000, 4, 7);
        double[] signs = {1, 0.75, 0.25, 1, 1, 0.5, 0.875, 1, 0.125, 1, 1, 0.3};
        for (int i = 0; i < 6; i++) {
            a.observe(signs[i]);
        }
        ObjectMapper json = new ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = json.readValue(json.writeValueAsString(a.state()), Map.class);
        AdaController b = new AdaController(0.1, 0.6, 3000, 4, 7);
        b.restore(stored);
        assertEquals(a.state(), b.state());
        for (int i = 6; i < signs.length; i++) {
            a.observe(signs[i]);
            b.observe(signs[i]);
            assertEquals(Double.doubleToLongBits(a.p()), Double.doubleToLongBits(b.p()), "p after observation " + i);
        }
        b.restore(null);
        assertEquals(0.1, b.p(), "no stored state: the initial p");
    }

    @Test
    void aDamagedStateIsRefusedNamingTheField() {
        AdaController ada = new AdaController(0, 0.6, 1000, 4, 8);
        Map<String, Object> bad = new HashMap<>(Map.of("p", 1.5, "sign_sum", 0.0, "observed", 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ada.restore(bad));
        assertTrue(e.getMessage().contains("p=1.5"), e.getMessage());
        bad.put("p", "high");
        e = assertThrows(IllegalArgumentException.class, () -> ada.restore(bad));
        assertTrue(e.getMessage().contains("state.ada.p"), e.getMessage());
    }

    @Test
    void noAugmentationConfiguredMeansNoneAndPZeroMeansTheInputItself() {
        assertNull(Augmentation.of(AugmentConfig.NONE, 8), "nothing to do: the step keeps its old path");
        Augmentation ada = Augmentation.of(new AugmentConfig("", new AdaConfig(true, 0, 0.6, 500_000, 4)), 8);
        assertFalse(ada.active());
        Tensor x = torch.rand(2, 3, 8, 8);
        Seeds.seedTorch(3);
        assertSame(x, ada.apply(x));
        Tensor next = torch.rand(4);
        Seeds.seedTorch(3);
        assertTrue(torch.equal(next, torch.rand(4)), "nothing was drawn");
        Map<String, Double> metrics = ada.afterIteration(Map.of(Augmentation.SIGN_REAL, 1.0));
        assertEquals(0.0, metrics.get(Augmentation.P), "the p the iteration used is logged");
        assertTrue(metrics.containsKey(Augmentation.RT));
    }

    @Test
    void theConfigurationRefusesUnknownOrRepeatedOperationsAndAPWithoutAda() {
        assertThrows(IllegalArgumentException.class, () -> new AugmentConfig("color,blur", AdaConfig.OFF));
        assertThrows(IllegalArgumentException.class, () -> new AugmentConfig("cutout,cutout", AdaConfig.OFF));
        assertThrows(IllegalArgumentException.class, () -> new AdaConfig(false, 0.2, 0.6, 500_000, 4));
        assertThrows(IllegalArgumentException.class, () -> new AdaConfig(true, 1.2, 0.6, 500_000, 4));
        assertThrows(IllegalArgumentException.class, () -> new AdaConfig(true, 0, 0.6, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new AdaConfig(true, 0, 0.6, 500_000, 0));
        assertEquals(2, new AugmentConfig(" Translation, cutout ", AdaConfig.OFF).diffAugmentOps().size());
    }
}
