package org.biggan4j.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig.HealthConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CollapseDetectorTest {

    private static final int EVERY = 100; // iterations between spectra records

    private static HealthConfig config() {
        return ConfigLoader.load("fmnist-demo", List.of()).health(); // the defaults
    }

    /** A synthetic run: sigma_0 of G's layers and D's loss per iteration, with noise. */
    private static final class Series {
        final SplittableRandom random;
        double firstSigma = 1.0;
        double otherSigma = 1.0;
        double dLoss = 1.6;
        double dNoise = 0.3;

        Series() {
            this(7);
        }

        Series(long seed) {
            random = new SplittableRandom(seed);
        }
    }

    /** Feeds iterations [from, to]; returns the decisions made. */
    private static List<CollapseDetector.Decision> feed(CollapseDetector detector, Series s, long from, long to,
                                                        LongConsumer change) {
        List<CollapseDetector.Decision> out = new ArrayList<>();
        for (long it = from; it <= to; it++) {
            change.accept(it);
            double loss = Math.max(0, s.dLoss + s.dNoise * (s.random.nextDouble() * 2 - 1));
            detector.observeDiscriminatorLoss(it, loss).ifPresent(out::add);
            if (it % EVERY == 0) {
                Map<String, Double> sigma = new LinkedHashMap<>();
                sigma.put("blocks.0.conv1.weight", s.otherSigma * (1 + 0.02 * s.random.nextDouble()));
                sigma.put("linear.weight", s.firstSigma * (1 + 0.02 * s.random.nextDouble()));
                sigma.put("output_conv.weight", 0.8 * s.otherSigma);
                detector.observeSpectra(it, "linear.weight", sigma).ifPresent(out::add);
            }
        }
        return out;
    }

    @Test
    void aStableRunRaisesNoAlarmOverALongRun() {
        // 100k iterations: sigma_0 grows steadily (x4 overall, as in the paper's healthy phase),
        // D's loss is noisy around 1.6, class accuracy wanders between 0.6 and 0.7.
        CollapseDetector detector = new CollapseDetector(config(), true);
        Series s = new Series();
        List<CollapseDetector.Decision> decisions = new ArrayList<>();
        decisions.addAll(feed(detector, s, 1, 100_000, it -> {
            s.firstSigma = 1 + 3.0 * it / 100_000;
            s.otherSigma = 1 + 1.5 * it / 100_000;
            if (it % 2000 == 0) {
                detector.observeQuality(it, "class_accuracy", 0.6 + 0.1 * s.random.nextDouble())
                        .ifPresent(decisions::add);
            }
        }));
        assertTrue(decisions.isEmpty(), "false alarms: " + decisions);
        assertEquals(100_000, detector.lastHealthy());
    }

    @Test
    void anExplosionOfTheFirstLayerIsDetectedWithinTwoRecords() {
        CollapseDetector detector = new CollapseDetector(config(), true);
        Series s = new Series();
        long event = 20_000;
        List<CollapseDetector.Decision> decisions = feed(detector, s, 1, 30_000, it -> {
            // From the event on, sigma_0 of the first layer grows 30% per record (an explosion).
            s.firstSigma = it <= event ? 1 + it / 100_000.0 : s.firstSigma * Math.pow(1.3, 1.0 / EVERY);
        });
        assertEquals(1, decisions.size(), "one decision per event: " + decisions);
        CollapseDetector.Decision d = decisions.get(0);
        assertTrue(d.iteration() > event && d.iteration() <= event + 4 * EVERY, "detected at " + d.iteration());
        // "Healthy" is every ratio below half its threshold: the first record of the explosion (x1.3) still is.
        assertTrue(d.lastHealthy() < d.iteration() && d.lastHealthy() >= event - EVERY, "healthy " + d.lastHealthy());
        assertTrue(d.readings().stream().anyMatch(r -> r.signal().equals(CollapseDetector.FIRST_SIGMA) && r.firing()));
        assertTrue(d.summary().contains("linear.weight"), d.summary());
    }

    @Test
    void dLossNearZeroThenJumpingNeedsASecondSignal() {
        Series s = new Series();
        s.dNoise = 0.02;
        CollapseDetector alone = new CollapseDetector(config(), true);
        // D's loss falls to ~0.05 (D wins), then jumps to 2 at iteration 5000; the spectra stay calm.
        List<CollapseDetector.Decision> none = feed(alone, s, 1, 6000,
                it -> s.dLoss = it < 4000 ? 1.5 : it < 5000 ? 0.05 : 2.0);
        assertTrue(none.isEmpty(), "D's loss alone is not decisive: " + none);

        Series t = new Series();
        t.dNoise = 0.02;
        CollapseDetector both = new CollapseDetector(config(), true);
        // The same jump while another G weight's sigma_0 explodes (x5): two signals together decide.
        List<CollapseDetector.Decision> decided = feed(both, t, 1, 6000, it -> {
            t.dLoss = it < 4000 ? 1.5 : it < 5000 ? 0.05 : 2.0;
            t.otherSigma = it < 4900 ? 1.0 : 5.0;
        });
        assertEquals(1, decided.size(), decided.toString());
        long at = decided.get(0).iteration();
        assertTrue(at >= 5000 && at <= 5100, "detected at " + at);
        assertTrue(decided.get(0).readings().stream().filter(CollapseDetector.Reading::firing).count() >= 2);
    }

    @Test
    void aSharpQualityDropDecidesAndFidRisesCount() {
        CollapseDetector detector = new CollapseDetector(config(), true);
        Series s = new Series();
        List<CollapseDetector.Decision> decisions = new ArrayList<>();
        decisions.addAll(feed(detector, s, 1, 12_000, it -> {
            if (it % 1000 == 0) {
                double accuracy = it < 10_000 ? 0.7 : 0.3;
                detector.observeQuality(it, "class_accuracy", accuracy).ifPresent(decisions::add);
            }
        }));
        assertEquals(1, decisions.size());
        assertEquals(10_000, decisions.get(0).iteration());

        CollapseDetector fid = new CollapseDetector(config(), true);
        assertTrue(fid.observeQuality(2000, "fid", 100).isEmpty());
        assertTrue(fid.observeQuality(3000, "fid", 110).isEmpty(), "a 10% rise is noise");
        Optional<CollapseDetector.Decision> d = fid.observeQuality(4000, "fid", 180);
        assertTrue(d.isPresent(), "an 80% rise of FID is a sharp drop of quality");
    }

    @Test
    void nothingIsJudgedDuringWarmUp() {
        CollapseDetector detector = new CollapseDetector(config(), true);
        Series s = new Series();
        // The weights move fast away from their initialisation: x10 within the first 1000 iterations.
        List<CollapseDetector.Decision> decisions = feed(detector, s, 1, 1000, it -> s.firstSigma = 1 + 9.0 * it / 1000);
        assertTrue(decisions.isEmpty(), decisions.toString());
    }

    @Test
    void stateRoundTripsThroughJsonAndContinuesIdentically() throws Exception {
        CollapseDetector original = new CollapseDetector(config(), true);
        feed(original, new Series(), 1, 7000, it -> { });
        var json = new ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = json.readValue(json.writeValueAsString(original.state()), Map.class);
        CollapseDetector restored = new CollapseDetector(config(), true);
        restored.restore(parsed);
        assertEquals(original.state().toString(), restored.state().toString());
        // Both continue on the same series (an explosion from 8000): the same decision.
        List<List<CollapseDetector.Decision>> decisions = new ArrayList<>();
        for (CollapseDetector d : List.of(original, restored)) {
            Series s = new Series(3);
            decisions.add(feed(d, s, 7001, 10_000, it -> s.firstSigma = it <= 8000 ? 1.0
                    : s.firstSigma * Math.pow(1.3, 1.0 / EVERY)));
        }
        assertFalse(decisions.get(0).isEmpty());
        assertEquals(decisions.get(0).get(0).iteration(), decisions.get(1).get(0).iteration());
        assertEquals(decisions.get(0).get(0).lastHealthy(), decisions.get(1).get(0).lastHealthy());
    }

    @Test
    void theFirstLayerIsFoundByName() {
        assertEquals("linear.weight", CollapseDetector.firstLayer(List.of("blocks.0.conv1.weight", "linear.weight")));
        assertEquals("gen_z.weight", CollapseDetector.firstLayer(List.of("shared.weight", "gen_z.weight")));
        assertEquals("a.weight", CollapseDetector.firstLayer(List.of("a.weight", "b.weight")));
    }
}
