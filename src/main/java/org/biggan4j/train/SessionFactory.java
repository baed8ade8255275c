package org.biggan4j.train;

import org.biggan4j.augment.Augmentation;
import org.biggan4j.config.ConfigValidator;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.data.SubsetImages;
import org.biggan4j.loss.GanObjective;
import org.biggan4j.loss.Objectives;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.regularize.Regularizers;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.NativeAllocator;
import org.biggan4j.train.optim.Optimizers;
import org.biggan4j.train.optim.ParameterOptimizer;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Builds a {@link TrainingSession} from a validated configuration: opens the data, builds G, D
 * and G_ema for it, the objective, the regularisers, the optimisers and their schedules, the
 * EMA, and the step. The only place where configuration becomes objects.
 */
public final class SessionFactory {

    private SessionFactory() {
    }

    /**
     * Opens the data the run trains on: the configured data (the embedded Fashion-MNIST when
     * {@code data.path} is null), reduced to {@code data.subset_per_class} images per class when
     * that is set. Evaluations against "the training data", sample sheets' real rows and the
     * memorisation check see the same images as training.
     */
    public static LabelledImages openData(TrainConfig config) {
        LabelledImages all = openAllData(config);
        int perClass = config.data().subsetPerClass();
        return perClass > 0 ? SubsetImages.perClass(all, perClass, config.seed()) : all;
    }

    /** The configured data in full, ignoring {@code data.subset_per_class} (a benchmark's reference set). */
    public static LabelledImages openAllData(TrainConfig config) {
        DataOptions options = DataOptions.defaults().withChannels(config.model().imageChannels());
        String path = config.data().path();
        // A folder of image files is decoded at the model's resolution (a user's own images need no
        // --resolution of their own); fixed-size formats keep their size and the loader fits them.
        return DataSources.openForModel(path == null || path.isBlank() ? null : Path.of(path), options,
                config.model().resolution());
    }

    /** The model spec for {@code config} on {@code data}. */
    public static ModelSpec spec(TrainConfig config, LabelledImages data) {
        boolean ebgan = config.objective().kind() == TrainConfig.ObjectiveKind.EBGAN;
        if (ebgan && config.model().architecture() != TrainConfig.Architecture.DCGAN) {
            throw new IllegalArgumentException("Invalid configuration: objective.kind=ebgan needs the auto-encoder "
                    + "discriminator of model.architecture=dcgan.");
        }
        if (config.model().conditional() && data.classCount() < 2 && config.model().classes() == 0) {
            throw new IllegalArgumentException("The data " + data.description() + " has no classes to condition on: "
                    + "set model.conditional=false.");
        }
        return Models.spec(config.model(), ebgan, data.classCount(), data.channels());
    }

    /**
     * Configures libtorch (device, threads, seed) and builds everything. Ownership: the session
     * owns all of it; close it to stop the data loader.
     */
    public static TrainingSession create(TrainConfig config, Path runDir) {
        return create(config, runDir, Replication.ALONE);
    }

    /**
     * Where a session sits in a data-parallel job: replica {@code rank} of {@code worldSize},
     * kept in step with the others by {@code sync}, and given the inputs of its share (see
     * {@link #create(TrainConfig, Path, Replication)}).
     *
     * @param latents wraps the latent source of the global batch into this replica's share
     */
    public record Replication(int rank, int worldSize, ReplicaSync sync,
                              UnaryOperator<LatentSource> latents) {
        /** A process training alone. */
        public static final Replication ALONE = new Replication(0, 1, null, l -> l);
    }

    /**
     * As {@link #create(TrainConfig, Path)}, as one replica: {@code training.batch_size} is the
     * global batch, this process's step works on {@code batch_size / worldSize} of it (its
     * disjoint shard of the data and its rows of the latents), and the step synchronises through
     * {@code replication.sync()}.
     */
    public static TrainingSession create(TrainConfig config, Path runDir, Replication replication) {
        int world = replication.worldSize();
        int share = ConfigValidator.batchShare(config, world, "the " + world + " processes");
        ComputeDevice device = Engine.configure(ComputeDevice.parse(config.device()), config.threads(), config.seed());
        NativeAllocator.adviseForTraining(device);
        LabelledImages data = openData(config);
        ModelSpec spec = spec(config, data);
        // Presets and --set can ask for any width too; checkpoints are refused earlier, by name.
        ModelSize.requireWithinLimit("the training configuration", spec);
        Generator generator = Models.generator(spec, device);
        Discriminator discriminator = Models.discriminator(spec, device);
        var t = config.training();
        Generator ema = null;
        GanStep.AfterGenerator afterGenerator = iteration -> { };
        if (t.emaDecay() > 0) {
            ema = Models.generator(spec, device);
            ExponentialMovingAverage average = new ExponentialMovingAverage(generator, ema, t.emaDecay(), t.emaStart());
            average.copy();
            afterGenerator = average;
        }
        ParameterOptimizer gOpt = Optimizers.create(config.optimizer().generator(), generator.parameters());
        if (t.freezeDBlocks() > 0) {
            ConfigValidator.frozenBlocks(config, discriminator.blocks().size());
            discriminator.freezeBlocks(t.freezeDBlocks());
        }
        // Frozen blocks' parameters are not in D's optimiser: no moments, no weight decay for them.
        ParameterOptimizer dOpt = Optimizers.create(config.optimizer().discriminator(),
                discriminator.trainableParameters());
        LoaderOptions loaderOptions = LoaderOptions.of(t.batchSize(), config.seed())
                .withFlip(config.data().flips())
                .withSampling(config.data().balanced() ? LoaderOptions.Sampling.CLASS_BALANCED
                        : LoaderOptions.Sampling.UNIFORM)
                .withModelResolution(spec.resolution(), LoaderOptions.Fit.of(data.resolution(), spec.resolution()))
                .withShard(new LoaderOptions.Shard(replication.rank(), world));
        LoaderBatchSource source = new LoaderBatchSource(data, loaderOptions, device, spec.conditional(),
                data.description());
        GanObjective objective = Objectives.create(config.objective());
        discriminator.setDropout(config.regularizers().dropoutD());
        Interventions interventions = Interventions.of(config);
        GanStep step = new GanStep(
                new GanStep.Player<>(generator, gOpt, interventions.learningRate(Interventions.Network.GENERATOR)),
                new GanStep.Player<>(discriminator, dOpt,
                        interventions.learningRate(Interventions.Network.DISCRIMINATOR)),
                objective, Regularizers.create(config.regularizers()), source,
                replication.latents().apply(new TrainingLatents(t.latent(), spec.latentDim(), spec.classes(), device)),
                afterGenerator, new StepSettings(share, t.dSteps(), t.accumulation(), config.seed(),
                t.bf16()), device, interventions);
        if (replication.sync() != null) {
            step.synchronizeWith(replication.sync());
        }
        // ADA moves p by the real images of the whole job per iteration (the global batch).
        step.augmentWith(Augmentation.of(config.augment(), t.imagesPerIteration()));
        return new TrainingSession(config, runDir, device, generator, ema, discriminator, source, step);
    }
}
