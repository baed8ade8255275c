package org.biggan4j.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.sample.TrainedGenerator;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a training run starts from in its run folder: a new run's configuration (from a preset,
 * or a preset with an initial checkpoint's model section), a resumed run's (from its newest
 * checkpoint), and the clean-up of what a killed process left there.
 */
final class RunFolder {

    private RunFolder() {
    }

    /** The configuration of a run, and the checkpoint it resumes from (null for a new run). */
    record Resolved(TrainConfig config, Path checkpoint) {
    }

    /**
     * What a run starts from: validates the request against the run folder and builds the
     * configuration, with the request's overrides and those of its moment reset.
     */
    static Resolved resolve(TrainingRun.Request request) throws Exception {
        Path runDir = request.runDir();
        List<String> overrides = new ArrayList<>(request.overrides());
        if (request.resetMoments() != null) {
            overrides.addAll(momentResetOverrides(request.resetMoments(), runDir));
        }
        TrainConfig config;
        Path checkpoint = null;
        Path checkpointsDir = runDir.resolve("checkpoints");
        // Any checkpoint file, good or damaged: a new run must not start over a folder of them.
        boolean hasCheckpoints = Files.isDirectory(checkpointsDir)
                && !new CheckpointStore(runDir, 1, "").list().isEmpty();
        if (request.resume()) {
            checkpoint = new CheckpointStore(runDir, 1, "").latest().orElseThrow(() ->
                    hasCheckpoints
                            ? new CheckpointException("Nothing to resume: no checkpoint in "
                                    + checkpointsDir + " passes verification (each is named above with what is "
                                    + "wrong): restore a good copy, or start a new run in another --out.")
                            : new IllegalArgumentException("Nothing to resume: " + runDir + " holds no checkpoint. "
                                    + "Start the run without --resume."));
            TrainedGenerator.requireWithinLimit(checkpoint);
            config = ConfigLoader.withOverrides(CheckpointFile.header(checkpoint).config(), overrides);
        } else {
            if (hasCheckpoints) {
                throw new IllegalArgumentException("Run folder " + runDir + " already holds checkpoints: continue it with "
                        + "--resume, or choose another --out.");
            }
            if (request.preset() == null) {
                throw new IllegalArgumentException("--preset is required (one of " + String.join(", ",
                        ConfigLoader.PRESETS) + ", or a YAML file) unless --resume is given.");
            }
            config = request.init() == null ? ConfigLoader.load(request.preset(), overrides)
                    : initConfig(request.preset(), overrides, request.init());
        }
        return new Resolved(config, checkpoint);
    }

    /**
     * A moment reset as overrides: the reset iteration is the one after the newest checkpoint, so
     * the restored moments are dropped before the first resumed update. It is stored with the
     * configuration, so a later roll-back to before it replays the reset.
     */
    static List<String> momentResetOverrides(TrainingRun.MomentReset which, Path runDir) {
        var latest = new CheckpointStore(runDir, 1, "").latest();
        if (latest.isEmpty()) {
            return List.of(); // "Nothing to resume" is reported by resolve
        }
        long next = CheckpointFile.header(latest.get()).iteration() + 1;
        List<String> out = new ArrayList<>();
        if (which != TrainingRun.MomentReset.D) {
            out.add("interventions.reset_moments_g_at=" + next);
        }
        if (which != TrainingRun.MomentReset.G) {
            out.add("interventions.reset_moments_d_at=" + next);
        }
        return out;
    }

    /**
     * The preset's configuration with the model section of {@code init}'s checkpoint (the
     * weights fix the architecture), then the user's overrides.
     */
    private static TrainConfig initConfig(String preset, List<String> overrides, Path init) throws Exception {
        var mapper = new ObjectMapper();
        var json = (ObjectNode) mapper.readTree(ConfigLoader.toJson(ConfigLoader.load(preset, List.of())));
        Path file = TrainedGenerator.resolve(init);
        TrainedGenerator.requireWithinLimit(file);
        ObjectNode model = (ObjectNode) mapper.readTree(CheckpointFile.header(file).configJson()).path("model");
        // A published BigGAN-deep's BatchNorm statistics are tables indexed by the sampling truncation,
        // fixed for sampling; a run trains ordinary running statistics (InitialWeights starts them from
        // the tables' truncation-1 row).
        model.put("truncation_bn_rows", 0);
        // The class count comes from the new data ("0 = from the data"): an imported model states its
        // 1000 ImageNet classes, and InitialWeights re-initialises the class-dependent tensors when the
        // data have another number (--set model.classes=N still overrides it).
        model.put("classes", 0);
        json.set("model", model);
        return ConfigLoader.withOverrides(ConfigLoader.fromJson(mapper.writeValueAsString(json)), overrides);
    }

    /**
     * Deletes what saves interrupted by a crash or {@code kill -9} left in a run folder: the
     * temporary files of checkpoints (see {@link CheckpointStore#removeStaleTemporaries}) and of
     * the folder's other outputs (config.yaml, metrics, plots, sheets, health pages).
     */
    static void removeStaleTemporaries(Path runDir) throws IOException {
        new CheckpointStore(runDir, 1, "").removeStaleTemporaries();
        List<Path> removed = new ArrayList<>();
        for (Path dir : List.of(runDir, runDir.resolve("samples"), runDir.resolve("health"))) {
            removed.addAll(AtomicFiles.removeTemporaries(dir, target -> true));
        }
        if (!removed.isEmpty()) {
            LoggerFactory.getLogger(TrainingRun.class).info(
                    "Removed {} temporary file(s) left by an interrupted write: {}", removed.size(),
                    removed.stream().map(p -> runDir.relativize(p).toString()).toList());
        }
    }
}
