package org.biggan4j.health;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingLoop;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the tracker records (its default settings, as `train` uses them) against linalg.svdvals. */
class SpectraTrackerTest {

    private static int assertMatchesSvdvals(TrainingSession session, Map<String, double[]> tracked) {
        int checked = 0;
        for (var entry : List.of(Map.entry("G", session.generator().named_parameters(true)),
                Map.entry("D", session.discriminator().named_parameters(true)))) {
            StringTensorDict params = entry.getValue();
            for (long i = 0; i < params.size(); i++) {
                Tensor w = params.get(i).value();
                if (w.dim() < 2) {
                    continue;
                }
                String name = entry.getKey() + "." + params.get(i).key().getString();
                double[] exact = Tensors.toDoubles(torch.linalg_svdvals(
                        w.detach().reshape(w.size(0), -1).to(torch.ScalarType.Double)));
                double[] got = tracked.get(name);
                for (int k = 0; k < Math.min(3, exact.length); k++) {
                    assertEquals(exact[k], got[k], 1e-3 * exact[k], name + " sigma_" + k);
                }
                assertEquals(Tensors.toDoubles(torch.linalg_vector_norm(w.detach().to(torch.ScalarType.Double)))[0],
                        got[3], 1e-9 * got[3], name + " Frobenius norm");
                checked++;
            }
        }
        return checked;
    }

    @Test
    void recordsMatchSvdvalsOnRandomAndOnTrainedWeights(@TempDir Path dir) {
        // Gaussian initial weights (distinct singular values; orthogonal ones would all be 1).
        TrainConfig config = ConfigLoader.load("fmnist-demo", List.of("model.ch=4", "training.batch_size=8",
                "threads=1", "model.init=normal_002", "training.iterations=30", "output.checkpoint_every=1000"));
        SpectraTracker tracker = new SpectraTracker(10);
        try (TrainingSession s = SessionFactory.create(config, dir)) {
            tracker.onStart(s, 1);
            tracker.onIteration(s, new StepMetrics(0, Map.of())); // the random weights, before any step
            int layers = assertMatchesSvdvals(s, tracker.latest());
            assertTrue(layers > 20, "G's and D's weights: " + layers);
            tracker.onEnd(s, 0, false);

            SpectraTracker training = new SpectraTracker(10);
            new TrainingLoop(s, List.of(training), new StopSignal()).run();
            assertEquals(30, training.latestIteration());
            assertMatchesSvdvals(s, training.latest()); // trained weights, warm-started estimates
        }
        // spectra.jsonl: the record before training, then one every 10 iterations.
        List<Map<String, Object>> records = SpectraTracker.read(dir);
        assertEquals(List.of(0, 10, 20, 30), records.stream().map(r -> ((Number) r.get("iteration")).intValue())
                .toList());
    }
}
