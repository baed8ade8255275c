package org.biggan4j.train;

import org.biggan4j.augment.AdaController;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointHeader;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.checkpoint.Provenance;
import org.biggan4j.checkpoint.RunState;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.regularize.Regularizer;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.train.optim.ParameterOptimizer;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * Everything one training run holds: the configuration, the networks (G, D and G's moving
 * average), their optimisers, the data source, the step, and the iteration counter; and the
 * two operations that need all of it at once, saving a checkpoint and restoring one.
 *
 * <p>The optimisers belong to the step (an intervention may replace one); the session saves
 * and restores their state through it.
 *
 * <p>The session owns the long-lived native objects (parameters, buffers, optimiser state);
 * {@link #close()} stops the data source.
 */
public final class TrainingSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingSession.class);
    /** The tensor groups holding G's and D's optimiser state. */
    public static final String OPTIMIZER_G = "optimizer_generator";
    public static final String OPTIMIZER_D = "optimizer_discriminator";
    /** The run folder's human-readable copy of the configuration. */
    public static final String CONFIG_FILE = "config.yaml";
    /**
     * The key of the run state under which the regularisers' carried numbers are stored (LeCam's
     * anchors), by regulariser name: {@code "regularizers": {"lecam": {"anchor_real": ..., ...}}}.
     */
    public static final String REGULARIZER_STATE = "regularizers";

    private TrainConfig config;
    private final Path runDir;
    private final ComputeDevice device;
    private final Generator generator;
    private final Generator generatorEma;
    private final Discriminator discriminator;
    private final ResumableBatchSource data;
    private final GanStep step;
    private final CheckpointStore checkpoints;
    private final Map<String, Object> extraState = new LinkedHashMap<>();
    private long iteration;
    private RollbackRequest pendingRollback;

    /**
     * A roll-back asked for by a listener (the collapse detector): restore {@code checkpoint} and
     * continue with the configuration {@code change} makes from (the current configuration, the
     * one stored in the checkpoint). The loop performs it after the current iteration's listeners.
     */
    public record RollbackRequest(Path checkpoint,
                                  BinaryOperator<TrainConfig> change) {
    }

    /** What a performed roll-back did. */
    public record Rollback(long fromIteration, long toIteration, Path checkpoint, Map<String, Double> metrics) {
    }

    /**
     * @param generatorEma the moving average of G, or null when the run keeps none
     */
    public TrainingSession(TrainConfig config, Path runDir, ComputeDevice device, Generator generator,
                           Generator generatorEma, Discriminator discriminator, ResumableBatchSource data,
                           GanStep step) {
        this.config = config;
        this.runDir = runDir;
        this.device = device;
        this.generator = generator;
        this.generatorEma = generatorEma;
        this.discriminator = discriminator;
        this.data = data;
        this.step = step;
        this.checkpoints = new CheckpointStore(runDir, config.output().keepLast(), config.output().bestMetric());
    }

    public TrainConfig config() {
        return config;
    }

    public Path runDir() {
        return runDir;
    }

    public ComputeDevice device() {
        return device;
    }

    public Generator generator() {
        return generator;
    }

    /** G's moving average, or null. */
    public Generator generatorEma() {
        return generatorEma;
    }

    /** The generator to sample and evaluate with: G_ema when the run keeps one (BigGAN), else G. */
    public Generator samplingGenerator() {
        return generatorEma != null ? generatorEma : generator;
    }

    public Discriminator discriminator() {
        return discriminator;
    }

    public GanStep step() {
        return step;
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /** Class names of the training data (index = class id). */
    public List<String> classNames() {
        return data.classNames();
    }

    /** Where the data source stands (what a checkpoint stores as {@code loader}). */
    public Map<String, Object> dataPosition() {
        return data.position();
    }

    /** Completed iterations (G updates). */
    public long iteration() {
        return iteration;
    }

    /** Marks {@code completed} as done; called by the loop after each successful step. */
    void advance(long completed) {
        this.iteration = completed;
    }

    /**
     * Images per iteration: the G update's batch, batch x accumulation (the one definition,
     * {@link TrainConfig.TrainingConfig#imagesPerIteration}).
     */
    public int imagesPerIteration() {
        return config.training().imagesPerIteration();
    }

    /** Small JSON-serialisable state that listeners want checkpointed (e.g. a detector's). */
    public Map<String, Object> extraState() {
        return extraState;
    }

    /**
     * Switches to {@code changed} from the next iteration on: the learning-rate schedules and D's
     * steps per iteration take effect at once (and {@code config.yaml} is rewritten); every other
     * key is only stored, and acts when the run is resumed. The next checkpoint stores it, so a
     * resume keeps the change.
     */
    public void reconfigure(TrainConfig changed) {
        var t = changed.training();
        // Through the interventions, so that a learning-rate change they schedule still applies.
        Interventions interventions = Interventions.of(changed);
        step.reconfigure(interventions.learningRate(Interventions.Network.GENERATOR),
                interventions.learningRate(Interventions.Network.DISCRIMINATOR), t.dSteps());
        this.config = changed;
        if (Files.isDirectory(runDir)) {
            writeConfigFile(runDir, changed);
        }
    }

    /**
     * Writes {@code config.yaml} into a run folder atomically: the resolved configuration a run
     * uses, for people to read (resuming reads the checkpoint's copy). The one place that writes
     * it, when a run starts and when a roll-back changes the configuration.
     */
    public static void writeConfigFile(Path runDir, TrainConfig config) {
        Path file = runDir.resolve(CONFIG_FILE);
        try {
            AtomicFiles.writeBytes(file, ConfigLoader.toYaml(config).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Asks the loop to roll back after the current iteration (see {@link RollbackRequest}). */
    public void requestRollback(RollbackRequest request) {
        this.pendingRollback = request;
    }

    /** Takes the pending roll-back request, or null. */
    RollbackRequest takeRollbackRequest() {
        RollbackRequest r = pendingRollback;
        pendingRollback = null;
        return r;
    }

    /**
     * Performs a requested roll-back: restores the checkpoint, applies the changed configuration,
     * deletes the checkpoints of the abandoned branch (a resume must not pick them up) and draws
     * fresh noise from there on.
     */
    Rollback rollBack(RollbackRequest request) {
        long from = iteration;
        CheckpointHeader header = CheckpointFile.header(request.checkpoint());
        TrainConfig stored = header.config();
        Map<String, Double> metrics = header.metrics();
        TrainConfig changed = request.change().apply(config, stored);
        int salt = step.noiseSalt() + 1;
        restore(request.checkpoint());
        step.setNoiseSalt(salt);
        reconfigure(changed);
        checkpoints.deleteAfter(iteration);
        LOG.warn("Rolled back from iteration {} to {} ({}).", from, iteration, request.checkpoint());
        return new Rollback(from, iteration, request.checkpoint(), metrics);
    }

    /** Everything a checkpoint holds, as of now. */
    public CheckpointData snapshot(Map<String, Double> metrics) {
        Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
        groups.put("generator", StateDict.of(generator));
        groups.put("discriminator", StateDict.of(discriminator));
        if (generatorEma != null) {
            groups.put("generator_ema", StateDict.of(generatorEma));
        }
        // Plain tensors (moments, momentum buffers, step counts), read back by copying numbers.
        groups.put(OPTIMIZER_G, step.generatorOptimizer().state());
        groups.put(OPTIMIZER_D, step.discriminatorOptimizer().state());
        // The model shape records what the configuration leaves to the data ("0 = from the
        // data"), so that sampling can rebuild G from the checkpoint alone.
        Map<String, Object> carried = new LinkedHashMap<>(extraState);
        AdaController ada = adaController();
        if (ada != null) {
            // ADA's p and its partial interval: a resume continues the adjustment exactly.
            carried.put(AdaController.STATE_KEY, ada.state());
        }
        Map<String, Object> regularizerState = new LinkedHashMap<>();
        for (Regularizer r : step.regularizers()) {
            if (!r.state().isEmpty()) {
                regularizerState.put(r.name(), r.state());
            }
        }
        carried.remove(REGULARIZER_STATE);
        if (!regularizerState.isEmpty()) {
            carried.put(REGULARIZER_STATE, regularizerState);
        }
        RunState state = new RunState(loaderPosition(data.position()), data.classNames(),
                new RunState.ModelShape(generator.numClasses(), generator.imageChannels()), step.noiseSalt(),
                List.of(), Map.of(), carried);
        return new CheckpointData(iteration, ConfigLoader.toJson(config),
                Provenance.current(config.seed(), data.description()), state, metrics, groups, Map.of());
    }

    /** ADA's controller when the step augments with ADA, else null. */
    private AdaController adaController() {
        return step.augmentation() == null ? null : step.augmentation().ada();
    }

    /** Writes a checkpoint of the current state; returns its path. */
    public Path saveCheckpoint(Map<String, Double> metrics) {
        return NativeMemory.scoped(() -> checkpoints.save(snapshot(metrics)));
    }

    /**
     * Restores every piece of state from a checkpoint: weights, buffers, optimiser moments,
     * the data position and the iteration.
     */
    public void restore(Path checkpoint) {
        NativeMemory.scoped(() -> {
            CheckpointData ckpt = CheckpointFile.read(checkpoint, device);
            String source = checkpoint.toString();
            StateDict.load(generator, ckpt.group("generator", source), source + ": generator");
            StateDict.load(discriminator, ckpt.group("discriminator", source), source + ": discriminator");
            if (generatorEma != null) {
                StateDict.load(generatorEma, ckpt.group("generator_ema", source), source + ": generator_ema");
            }
            restoreOptimizer(ckpt, OPTIMIZER_G, step.generatorOptimizer(), Interventions.Network.GENERATOR, source);
            restoreOptimizer(ckpt, OPTIMIZER_D, step.discriminatorOptimizer(), Interventions.Network.DISCRIMINATOR,
                    source);
            RunState state = ckpt.state();
            if (!state.loader().isEmpty()) {
                Map<String, Object> position = new LinkedHashMap<>(state.loader());
                try {
                    data.restore(position);
                } catch (NullPointerException | ClassCastException e) {
                    // RunState checked the types; the source checks what the fields mean
                    // (epoch and index >= 0, the same seed and data: its own one-line errors).
                    throw new CheckpointException(source + ": its loader position " + position + " lacks a field "
                            + "this data source needs; the file is damaged or was not written by biggan4j: use an "
                            + "earlier checkpoint.", e);
                }
            }
            step.setNoiseSalt(state.noiseSalt());
            Map<String, Object> listeners = new LinkedHashMap<>(state.listeners());
            Object adaState = listeners.remove(AdaController.STATE_KEY);
            AdaController ada = adaController();
            if (ada != null) {
                try {
                    // Absent (a checkpoint written without ADA): p starts from augment.ada.p.
                    ada.restore(adaState);
                } catch (IllegalArgumentException e) {
                    throw new CheckpointException(source + ": " + e.getMessage() + "; the file is damaged or was not "
                            + "written by biggan4j: use an earlier checkpoint.", e);
                }
            }
            restoreRegularizers(listeners.remove(REGULARIZER_STATE), source);
            extraState.putAll(listeners);
            iteration = ckpt.iteration();
        });
        LOG.info("Resumed from {} at iteration {}.", checkpoint, iteration);
    }

    /**
     * Gives every regulariser the numbers the checkpoint stored under its name (none: it starts
     * afresh, as in a checkpoint written before it was switched on).
     */
    private void restoreRegularizers(Object stored, String source) {
        Map<?, ?> byName = stored instanceof Map<?, ?> m ? m : Map.of();
        if (stored != null && !(stored instanceof Map<?, ?>)) {
            throw new CheckpointException(source + ": its state." + REGULARIZER_STATE + " is " + stored
                    + ", not an object; the file is damaged: use an earlier checkpoint.");
        }
        for (Regularizer r : step.regularizers()) {
            Map<String, Double> values = new LinkedHashMap<>();
            Object own = byName.get(r.name());
            if (own instanceof Map<?, ?> m) {
                m.forEach((k, v) -> {
                    if (!(v instanceof Number n)) {
                        throw new CheckpointException(source + ": its state." + REGULARIZER_STATE + "." + r.name()
                                + "." + k + " is " + v + ", not a number; the file is damaged: use an earlier "
                                + "checkpoint.");
                    }
                    values.put(String.valueOf(k), n.doubleValue());
                });
            }
            r.restoreState(values, source);
        }
    }

    /**
     * A data source's position as the checkpoint stores it: whole numbers by name (the sources
     * report longs and ints; anything else is a programming error here, not bad input).
     */
    private static Map<String, Long> loaderPosition(Map<String, Object> position) {
        Map<String, Long> out = new LinkedHashMap<>();
        position.forEach((k, v) -> {
            if (!(v instanceof Integer || v instanceof Long)) {
                throw new IllegalStateException("The data source reported loader position field '" + k + "' as "
                        + v + ", not a whole number.");
            }
            out.put(k, ((Number) v).longValue());
        });
        return out;
    }

    /**
     * Restores an optimiser's state from its tensor group. A version-1 checkpoint stored it as a
     * libtorch archive (blob {@code name}), whose loader is TorchScript's: that is not read any
     * more. Such a checkpoint resumes only when the optimiser's moments are reset at the first
     * resumed iteration ({@code --resume --reset-moments}), which would discard them anyway.
     */
    private void restoreOptimizer(CheckpointData ckpt, String name, ParameterOptimizer optimizer,
                                  Interventions.Network network, String source) {
        if (Interventions.of(config).resetsMoments(network, ckpt.iteration() + 1)) {
            // Dropped before the first resumed update anyway; not loading it also lets a resume
            // change the optimiser's kind or the model's shape (--reset-moments).
            optimizer.close();
            return;
        }
        Map<String, Tensor> group = ckpt.tensorGroups().get(name);
        if (group != null) {
            optimizer.loadState(group, source + ": " + name);
            return;
        }
        String which = network == Interventions.Network.GENERATOR ? "g" : "d";
        throw new CheckpointException(source + (ckpt.blobs().containsKey(name)
                ? " stores " + name + " as a libtorch archive (checkpoint format 1), which biggan4j no longer loads "
                        + "because its loader runs TorchScript: resume with --resume --reset-moments both to continue "
                        + "from its weights with fresh optimiser state."
                : " lacks the " + name + " state needed to resume: resume with --resume --reset-moments " + which
                        + " (or both) to start the optimiser afresh."));
    }

    /**
     * The policy for a non-finite step: rethrow (stop), or roll back to the newest checkpoint
     * not after the current iteration and return its iteration.
     */
    long recoverFromNonFinite(NonFiniteStepException e) {
        if (config.training().onNonFinite() == TrainConfig.OnNonFinite.STOP) {
            throw e;
        }
        var target = checkpoints.latestBefore(e.iteration());
        if (target.isEmpty()) {
            throw new NonFiniteStepException(e.iteration(), e.term() + " (no checkpoint to roll back to)",
                    Double.NaN);
        }
        LOG.warn("Rolling back to {} after a non-finite {} at iteration {}.", target.get(), e.term(), e.iteration());
        int salt = step.noiseSalt() + 1;
        restore(target.get());
        // Replaying with the same noise would fail the same way: draw different noise from here on.
        step.setNoiseSalt(salt);
        return iteration;
    }

    @Override
    public void close() {
        data.close();
    }
}
