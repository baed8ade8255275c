package org.biggan4j.sample;

import org.biggan4j.checkpoint.StoredStandingStatistics;
import com.fasterxml.jackson.databind.JsonNode;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A generator rebuilt from a training checkpoint, for sampling and evaluation: the architecture
 * from the stored configuration, the weights of G_ema (what BigGAN samples from) or of G, and
 * the class names of the training data, and the standing statistics stored for those weights.
 *
 * @param classNames the training data's class names, or ImageNet's for a 1000-class checkpoint without any
 * @param ema      whether the weights are G_ema's
 * @param standing standing BatchNorm statistics stored in the checkpoint for these weights, by
 *                 truncation (0 = none); see {@link StoredStandingStatistics}
 */
public record TrainedGenerator(Generator generator, ClassNames classNames, TrainConfig config, long iteration,
                               boolean ema, Path checkpoint, Map<Double, Map<String, Tensor>> standing) {

    /** Noise batches of a standing-statistics pass when none is stored and the user named none. */
    public static final int DEFAULT_STANDING_BATCHES = 16;

    public TrainedGenerator {
        Objects.requireNonNull(classNames, "classNames");
        standing = Map.copyOf(standing);
    }

    /** The tensor group of the weights in use. */
    public String weightsGroup() {
        return ema ? "generator_ema" : "generator";
    }

    /**
     * Runs {@code work} with standing statistics at {@code truncation}: with {@code batches} < 0,
     * the ones stored in the checkpoint for it when there are any, else a fresh pass over
     * {@value #DEFAULT_STANDING_BATCHES} batches; with {@code batches} > 0 a fresh pass over that
     * many; with 0 the statistics G's training left. G's own buffers are restored afterwards.
     *
     * <p>A generator with {@link Generator#truncationIndexedStatistics()} (an imported published
     * BigGAN-deep) instead selects its statistics tables' rows for {@code truncation} (0 = none =
     * its truncation 1) and runs {@code work}; {@code batches} does not apply.
     *
     * @return what was used, for reports ("stored (100 batches)", "16 batches", "training")
     */
    public String withStandingStatistics(double truncation, int batches, int batchSize, long seed,
                                         ComputeDevice device, Runnable work) {
        if (generator.truncationIndexedStatistics()) {
            // A published BigGAN-deep model: its statistics are tables chosen by the truncation
            // itself, with no standing-statistics pass; 0 (no truncation) is its truncation 1.
            double t = truncation == 0 ? 1.0 : truncation;
            generator.selectTruncation(t);
            work.run();
            return "BatchNorm statistics tabulated for truncation " + t
                    + (batches > 0 ? " (standing statistics do not apply to this model)" : "");
        }
        Map<String, Tensor> stored = standing.get(truncation);
        if (batches < 0 && stored != null) {
            StandingStatistics.during(generator, stored, work);
            return "stored standing statistics";
        }
        int k = batches < 0 ? DEFAULT_STANDING_BATCHES : batches;
        StandingStatistics.during(generator, LatentDistribution.forTruncation(truncation), k, batchSize, seed, device,
                work);
        return k == 0 ? "BatchNorm statistics from training" : "standing statistics over " + k + " batches";
    }

    /**
     * Loads from a checkpoint file, or from a run folder's newest checkpoint.
     *
     * @param preferEma use G_ema's weights when the checkpoint has them
     */
    public static TrainedGenerator load(Path runOrCheckpoint, boolean preferEma, ComputeDevice device) {
        Path file = resolve(runOrCheckpoint);
        JsonNode manifest = CheckpointFile.manifest(file);
        TrainConfig config = ConfigLoader.fromJson(manifest.path("config").toString());
        JsonNode state = manifest.path("state");
        List<String> names = new ArrayList<>();
        state.path("class_names").forEach(n -> names.add(n.asText()));
        ModelSpec spec = storedSpec(file, false);
        // Built outside any scope: the module owns its parameters for as long as the caller keeps it.
        Generator g = Models.generator(spec, device);
        boolean[] ema = new boolean[1];
        List<Map<Double, Map<String, Tensor>>> standing = new ArrayList<>();
        long iteration = NativeMemory.scoped(() -> {
            CheckpointData data = CheckpointFile.read(file, device);
            ema[0] = preferEma && data.tensorGroups().containsKey("generator_ema");
            String group = ema[0] ? "generator_ema" : "generator";
            StateDict.load(g, data.group(group, file.toString()), file + ": " + group);
            standing.add(StoredStandingStatistics.of(data, group));
            return data.iteration();
        });
        g.eval();
        return new TrainedGenerator(g, ClassNames.forGenerator(names, g.numClasses()), config, iteration, ema[0], file,
                standing.get(0));
    }

    /**
     * The discriminator of a checkpoint (for the memorisation test), in eval mode, owned by the
     * caller.
     */
    public static Discriminator loadDiscriminator(Path runOrCheckpoint, ComputeDevice device) {
        Path file = resolve(runOrCheckpoint);
        TrainConfig config = ConfigLoader.fromJson(CheckpointFile.manifest(file).path("config").toString());
        Discriminator d = Models.discriminator(storedSpec(file,
                config.objective().kind() == TrainConfig.ObjectiveKind.EBGAN), device);
        NativeMemory.scoped(() -> {
            CheckpointData data = CheckpointFile.read(file, device);
            StateDict.load(d, data.group("discriminator", file.toString()), file + ": discriminator");
        });
        d.eval();
        return d;
    }

    /** The label of class {@code id} for sheets and file names ("class 3" when it has no name). */
    public String className(int id) {
        return classNames.label(id);
    }

    /**
     * The architecture a checkpoint's models were built with: the stored configuration plus the
     * class count and image channels of the data it was trained on.
     *
     * @param autoencoderD whether to describe EBGAN's auto-encoder discriminator (for loading D)
     */
    public static ModelSpec storedSpec(Path file, boolean autoencoderD) {
        JsonNode manifest = CheckpointFile.manifest(file);
        TrainConfig config = ConfigLoader.fromJson(manifest.path("config").toString());
        JsonNode state = manifest.path("state");
        List<String> names = new ArrayList<>();
        state.path("class_names").forEach(n -> names.add(n.asText()));
        ModelSpec spec = Models.spec(config.model(), autoencoderD, classes(state, config, names, file),
                channels(state, config, file));
        ModelSize.requireWithinLimit(file, spec);
        return spec;
    }

    /**
     * Refuses a checkpoint whose stored configuration describes models over the parameter limit
     * ({@link ModelSize#requireWithinLimit}), before a run resumes from it or starts from its
     * weights. Sized as {@link #storedSpec} does, except that a checkpoint too old to record its
     * classes or channels is sized without class embeddings and with 3 channels (not refused: the
     * run itself says what it lacks).
     */
    public static void requireWithinLimit(Path file) {
        JsonNode manifest = CheckpointFile.manifest(file);
        TrainConfig config = ConfigLoader.fromJson(manifest.path("config").toString());
        JsonNode state = manifest.path("state");
        Integer classes = stored(state, "classes");
        Integer channels = stored(state, "image_channels");
        int k = classes != null ? classes : config.model().conditional() ? config.model().classes() : 0;
        int c = channels != null ? channels : config.model().imageChannels() > 0 ? config.model().imageChannels() : 3;
        boolean ebgan = config.objective().kind() == TrainConfig.ObjectiveKind.EBGAN;
        ModelSize.requireWithinLimit(file, Models.spec(config.model(), ebgan, k, c));
    }

    /** A checkpoint file, or a run folder's newest checkpoint; a one-line error when there is none. */
    public static Path resolve(Path runOrCheckpoint) {
        if (Files.isDirectory(runOrCheckpoint)) {
            return new CheckpointStore(runOrCheckpoint, 1, "").latest().orElseThrow(() -> new IllegalArgumentException(
                    "No checkpoint in " + runOrCheckpoint + ": give a run folder with checkpoints/ or a .b4j file."));
        }
        if (!Files.isRegularFile(runOrCheckpoint)) {
            throw new IllegalArgumentException("No such checkpoint or run folder: " + runOrCheckpoint + ".");
        }
        return runOrCheckpoint;
    }

    private static int classes(JsonNode state, TrainConfig config, List<String> names, Path file) {
        Integer stored = stored(state, "classes");
        if (stored != null) {
            return stored;
        }
        if (!config.model().conditional() || config.model().classes() > 0) {
            return config.model().classes();
        }
        if (!names.isEmpty()) {
            return names.size();
        }
        throw new IllegalArgumentException(file + " does not record the number of classes; it was written by an "
                + "older version: resume it for one iteration to rewrite it.");
    }

    private static int channels(JsonNode state, TrainConfig config, Path file) {
        Integer stored = stored(state, "image_channels");
        if (stored != null) {
            return stored;
        }
        if (config.model().imageChannels() > 0) {
            return config.model().imageChannels();
        }
        throw new IllegalArgumentException(file + " does not record its image channels; it was written by an "
                + "older version: resume it for one iteration to rewrite it.");
    }

    private static Integer stored(JsonNode state, String key) {
        JsonNode v = state.path("model").path(key);
        return v.isNumber() ? v.intValue() : null;
    }
}
