package org.biggan4j.run;

import me.tongfei.progressbar.ProgressBar;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.eval.Memorisation;
import org.biggan4j.model.Discriminator;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.train.SessionFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The memorisation part of an {@link EvaluationRun}: a run's D on its training images and on held-out ones. */
final class MemorisationCheck {

    private MemorisationCheck() {
    }

    /**
     * @param heldOut real images D never saw, or null to skip (the result then says how to run it)
     * @return the JSON section: the {@link Memorisation.Result} fields, or {@code skipped} with the reason
     */
    static Map<String, Object> run(Path checkpoint, TrainedGenerator trained, Path heldOut, int images, int batch,
                                   long seed, ComputeDevice device) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (heldOut == null) {
            out.put("skipped", "give --held-out PATH with real images the run did not train on (training reads every "
                    + "split of its data)");
            return out;
        }
        LabelledImages train = SessionFactory.openData(trained.config());
        LabelledImages held = DataSources.openForModel(heldOut, trained.generator().imageChannels(),
                trained.generator().resolution());
        Memorisation.Result r;
        try (Discriminator d = TrainedGenerator.loadDiscriminator(checkpoint, device);
             ProgressBar bar = Progress.bar("memorisation", 2L * Math.min(images, Math.min(train.count(), held.count())),
                     " img")) {
            r = Memorisation.measure(d, trained.generator().resolution(), trained.config().objective().kind(), train,
                    held, images, batch, seed, device, bar::stepTo);
        }
        out.put("images", r.images());
        out.put("train_accuracy", r.trainAccuracy());
        out.put("held_out_accuracy", r.heldOutAccuracy());
        out.put("train_mean_score", r.trainMean());
        out.put("held_out_mean_score", r.heldOutMean());
        out.put("auc", r.auc());
        out.put("rule", r.rule());
        out.put("train_data", train.description());
        out.put("held_out_data", held.description());
        return out;
    }

    /** One line for the table. */
    static String describe(Map<String, Object> m) {
        if (m.containsKey("skipped")) {
            return "Memorisation test skipped: " + m.get("skipped") + ".";
        }
        return String.format(Locale.ROOT, "Memorisation (BigGAN section 4.2): D calls %.1f%% of %d training images real "
                        + "and %.1f%% of held-out ones (%s); AUC %.3f (0.5 = none, 1 = every image memorised).",
                100 * (double) m.get("train_accuracy"), (int) m.get("images"), 100 * (double) m.get("held_out_accuracy"),
                m.get("rule"), (double) m.get("auc"));
    }
}
