package org.biggan4j.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small runs for the tests of this package: a few iterations of small networks on the embedded Fashion-MNIST. */
final class TinyRuns {

    private TinyRuns() {
    }

    /** Overrides that make a preset train in seconds: 4 base channels, batch 8, {@code iterations} iterations. */
    static List<String> tiny(int iterations, String... more) {
        List<String> s = new ArrayList<>(List.of("model.ch=4", "training.batch_size=8",
                "training.iterations=" + iterations, "output.checkpoint_every=" + iterations, "output.sample_every=0",
                "output.eval_every=0", "output.sample_rows=2", "output.sample_columns=2"));
        s.addAll(List.of(more));
        return s;
    }

    /** A conditional BigGAN (fmnist-demo, 10 classes, 32 px, with G_ema) trained for two iterations in {@code run}. */
    static Path conditionalBigGan(Path run) throws Exception {
        TrainingRun.run(TrainingRun.Request.start("fmnist-demo", run, tiny(2, "training.ema_start=1")));
        return run;
    }
}
