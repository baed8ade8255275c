package org.biggan4j.sample;

import org.biggan4j.checkpoint.StoredStandingStatistics;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointHeader;
import org.biggan4j.checkpoint.RunState;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
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

    /**
     * Frees the native memory of the weights, buffers and stored standing statistics now, rather
     * than whenever the garbage collector finds their Java objects (a server that caches a few
     * generators evicts one this way); the generator must not be used afterwards. Each parameter
     * and buffer gets an empty tensor as its data ({@code p.data = empty} in PyTorch), which drops
     * the module's reference to its storage; a storage nobody else holds is freed at once.
     */
    public void release() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            NativeMemory.scoped(() -> {
                for (StringTensorDict dict : List.of(generator.named_parameters(true), generator.named_buffers(true))) {
                    for (long i = 0; i < dict.size(); i++) {
                        Tensor t = dict.get(i).value();
                        t.__dispatch_set_data(t.new_empty(0));
                    }
                }
            });
        }
        standing.values().forEach(group -> group.values().forEach(Tensor::close));
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
        // One open of the file: the header describes the model, which is built before the
        // weights are read into it.
        try (CheckpointFile.Reader reader = CheckpointFile.open(file)) {
            CheckpointHeader header = reader.header();
            TrainConfig config = header.config();
            // Built outside any scope: the module owns its parameters for as long as the caller keeps it.
            Generator g = Models.generator(storedSpec(header, false), device);
            boolean[] ema = new boolean[1];
            List<Map<Double, Map<String, Tensor>>> standing = new ArrayList<>();
            NativeMemory.scoped(() -> {
                CheckpointData data = reader.read(device);
                ema[0] = preferEma && data.tensorGroups().containsKey("generator_ema");
                String group = ema[0] ? "generator_ema" : "generator";
                StateDict.load(g, data.group(group, file.toString()), file + ": " + group);
                standing.add(StoredStandingStatistics.of(data, group));
            });
            g.eval();
            return new TrainedGenerator(g, ClassNames.forGenerator(header.state().classNames(), g.numClasses()), config,
                    header.iteration(), ema[0], file, standing.get(0));
        }
    }

    /**
     * The discriminator of a checkpoint (for the memorisation test), in eval mode, owned by the
     * caller.
     */
    public static Discriminator loadDiscriminator(Path runOrCheckpoint, ComputeDevice device) {
        Path file = resolve(runOrCheckpoint);
        try (CheckpointFile.Reader reader = CheckpointFile.open(file)) {
            CheckpointHeader header = reader.header();
            boolean ebgan = header.config().objective().kind() == TrainConfig.ObjectiveKind.EBGAN;
            Discriminator d = Models.discriminator(storedSpec(header, ebgan), device);
            NativeMemory.scoped(() -> {
                CheckpointData data = reader.read(device);
                StateDict.load(d, data.group("discriminator", file.toString()), file + ": discriminator");
            });
            d.eval();
            return d;
        }
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
        return storedSpec(CheckpointFile.header(file), autoencoderD);
    }

    private static ModelSpec storedSpec(CheckpointHeader header, boolean autoencoderD) {
        TrainConfig config = header.config();
        RunState.ModelShape shape = header.state().model();
        ModelSpec spec = Models.spec(config.model(), autoencoderD,
                shape != null ? shape.classes() : classes(config, header.state().classNames(), header.file()),
                shape != null ? shape.imageChannels() : channels(config, header.file()));
        ModelSize.requireWithinLimit(header.file(), spec);
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
        CheckpointHeader header = CheckpointFile.header(file);
        TrainConfig config = header.config();
        RunState.ModelShape shape = header.state().model();
        int k = shape != null ? shape.classes() : config.model().conditional() ? config.model().classes() : 0;
        int c = shape != null ? shape.imageChannels()
                : config.model().imageChannels() > 0 ? config.model().imageChannels() : 3;
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

    /** The class count of a checkpoint too old to record it (before the state's model shape). */
    private static int classes(TrainConfig config, List<String> names, Path file) {
        if (!config.model().conditional() || config.model().classes() > 0) {
            return config.model().classes();
        }
        if (!names.isEmpty()) {
            return names.size();
        }
        throw new IllegalArgumentException(file + " does not record the number of classes; it was written by an "
                + "older version: resume it for one iteration to rewrite it.");
    }

    /** The image channels of a checkpoint too old to record them. */
    private static int channels(TrainConfig config, Path file) {
        if (config.model().imageChannels() > 0) {
            return config.model().imageChannels();
        }
        throw new IllegalArgumentException(file + " does not record its image channels; it was written by an "
                + "older version: resume it for one iteration to rewrite it.");
    }
}
