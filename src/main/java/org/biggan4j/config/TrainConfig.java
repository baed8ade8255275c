package org.biggan4j.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.biggan4j.nn.Init;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The complete, resolved configuration of a training run: what a preset plus {@code --set}
 * overrides produce, validated, immutable, and stored inside every checkpoint so that sampling
 * and resuming need nothing but the checkpoint. YAML keys are the snake_case forms of the
 * component names (for example {@code training.d_steps}).
 */
public record TrainConfig(ModelConfig model, ObjectiveConfig objective, RegularizerConfig regularizers,
                          OptimizerPair optimizer, TrainingConfig training, DataConfig data,
                          OutputConfig output, HealthConfig health, InterventionConfig interventions,
                          DistributedConfig distributed, AugmentConfig augment, long seed, String device,
                          int threads) {

    public TrainConfig {
        require(model != null, "model section is missing");
        require(objective != null, "objective section is missing");
        require(regularizers != null, "regularizers section is missing");
        require(optimizer != null, "optimizer section is missing");
        require(training != null, "training section is missing");
        require(data != null, "data section is missing");
        require(output != null, "output section is missing");
        require(health != null, "health section is missing");
        require(interventions != null, "interventions section is missing");
        require(distributed != null, "distributed section is missing");
        require(augment != null, "augment section is missing");
        require(device != null && !device.isBlank(), "device must be cpu, cuda or cuda:N");
        require(threads >= 0, "threads must be >= 0 (0 = one per core), got " + threads);
    }

    /**
     * Which network family to build; see the model package for the tables. Each carries the
     * resolutions its tables define: the one statement of that fact (the configuration is below
     * the models, so the validator cannot ask the tables; a test in the model package checks that
     * the tables define exactly these).
     */
    public enum Architecture {
        /** Brock et al. 2019, appendix B, tables 4-7 (BigGAN-PyTorch's arch dictionaries). */
        BIGGAN(32, 64, 128, 256, 512),
        /** BigGAN-deep, tables 8-9 of the same appendix. */
        BIGGAN_DEEP(64, 128, 256, 512),
        /** Miyato et al. 2018, appendix B. */
        SNGAN_RESNET(32, 64),
        SAGAN_RESNET(32, 64),
        DCGAN(32, 64);

        private final List<Integer> resolutions;

        Architecture(Integer... resolutions) {
            this.resolutions = List.of(resolutions);
        }

        /** The resolutions this architecture's tables define, ascending. */
        public List<Integer> resolutions() {
            return resolutions;
        }
    }

    /**
     * @param classes            number of classes; 0 = taken from the data (ignored when not conditional)
     * @param latentDim          dimension of z (BigGAN 128 px: 120 = 6 chunks of 20)
     * @param sharedEmbeddingDim the shared class embedding of BigGAN G (128); 0 = one embedding per cBN layer
     * @param hierarchicalZ      split z into chunks, one per block (skip-z)
     * @param attention          resolutions with a self-attention block (empty = none)
     * @param imageChannels      1 or 3; 0 = from the data
     * @param truncationBnRows   BigGAN-deep only: 0 = ordinary BatchNorm statistics; n &gt; 1 = fixed
     *                           statistics tables of n rows chosen by the sampling truncation (the
     *                           published TF Hub models: 51; set by {@code biggan4j import})
     */
    public record ModelConfig(Architecture architecture, int resolution, int ch, int classes, int latentDim,
                              int sharedEmbeddingDim, boolean hierarchicalZ, List<Integer> attention,
                              int imageChannels, boolean spectralNormG, boolean spectralNormD, Init init,
                              double bnEps, double snEps, boolean dcganNoBias, boolean dcganCriticBatchNorm,
                              boolean conditional, int truncationBnRows) {
        public ModelConfig {
            require(truncationBnRows == 0 || truncationBnRows >= 2,
                    "model.truncation_bn_rows must be 0 (off) or at least 2, got " + truncationBnRows);
            require(architecture != null, "model.architecture is missing");
            require(resolution >= 8 && resolution <= 1024, "model.resolution must be in [8, 1024], got " + resolution);
            require(ch > 0, "model.ch must be > 0, got " + ch);
            require(latentDim > 0, "model.latent_dim must be > 0, got " + latentDim);
            require(classes >= 0, "model.classes must be >= 0 (0 = from the data), got " + classes);
            require(sharedEmbeddingDim >= 0, "model.shared_embedding_dim must be >= 0");
            require(imageChannels == 0 || imageChannels == 1 || imageChannels == 3,
                    "model.image_channels must be 0 (from data), 1 or 3, got " + imageChannels);
            attention = attention == null ? List.of() : List.copyOf(attention);
            require(bnEps > 0 && snEps > 0, "model.bn_eps and model.sn_eps must be > 0");
            require(init != null, "model.init is missing");
        }
    }

    /** The GAN objective; the numbers apply to the objectives that read them. */
    public enum ObjectiveKind { MINIMAX, NON_SATURATING, HINGE, LEAST_SQUARES, WASSERSTEIN, EBGAN, LOSS_SENSITIVE }

    /**
     * @param margin      hinge margin (1) and EBGAN margin m
     * @param pullAway    EBGAN pull-away term weight (0 = off)
     * @param lsLambda    loss-sensitive GAN's lambda
     */
    public record ObjectiveConfig(ObjectiveKind kind, double margin, double pullAway, double lsLambda) {
        public ObjectiveConfig {
            require(kind != null, "objective.kind is missing");
            require(margin >= 0, "objective.margin must be >= 0, got " + margin);
            require(pullAway >= 0, "objective.pull_away must be >= 0");
            require(lsLambda >= 0, "objective.ls_lambda must be >= 0");
        }
    }

    /**
     * Every regulariser with its strength; 0 switches it off.
     *
     * @param gradientPenalty lambda of WGAN-GP's penalty on interpolates (10)
     * @param r1              gamma of the R1 penalty on real data
     * @param orthogonalG     beta of BigGAN's orthogonal regularisation on G (1e-4)
     * @param orthogonalD     beta on D
     * @param clip            c of WGAN's weight clipping (0.01)
     * @param instanceNoise   initial std of instance noise
     * @param instanceNoiseIterations iterations over which it anneals linearly to 0
     * @param sigmaG          section 4.1 conditioning of sigma_0 of G's weights
     * @param sigmaD          the same for D's weights
     * @param dropoutD        dropout probability on D's pooled features before its final linear
     *                        layer (and projection), training mode only; 0 = off
     * @param lecam           lambda of the LeCam regulariser on D's outputs (Tseng et al. 2021, eq. 3); 0 = off
     * @param lecamDecay      decay of the moving averages of D's mean outputs that anchor it (0.99)
     * @param lecamStart      iterations during which the anchors only follow the latest batch and the
     *                        penalty is off (the official code's 1000)
     */
    public record RegularizerConfig(double gradientPenalty, double r1, double orthogonalG, double orthogonalD,
                                    double clip, double instanceNoise, long instanceNoiseIterations,
                                    SigmaConfig sigmaG, SigmaConfig sigmaD, double dropoutD, double lecam,
                                    double lecamDecay, long lecamStart) {
        public RegularizerConfig {
            require(gradientPenalty >= 0 && r1 >= 0 && orthogonalG >= 0 && orthogonalD >= 0 && clip >= 0
                    && instanceNoise >= 0 && instanceNoiseIterations >= 0,
                    "regularizers.* must all be >= 0 (0 switches one off)");
            require(instanceNoise == 0 || instanceNoiseIterations > 0,
                    "regularizers.instance_noise_iterations must be > 0 when instance_noise is on");
            sigmaG = sigmaG == null ? SigmaConfig.OFF : sigmaG;
            sigmaD = sigmaD == null ? SigmaConfig.OFF : sigmaD;
            require(dropoutD >= 0 && dropoutD < 1, "regularizers.dropout_d must be in [0, 1) (0 = off), got "
                    + dropoutD);
            require(lecam >= 0, "regularizers.lecam must be >= 0 (0 = off), got " + lecam);
            require(lecamDecay >= 0 && lecamDecay < 1, "regularizers.lecam_decay must be in [0, 1), got " + lecamDecay);
            require(lecamStart >= 0, "regularizers.lecam_start must be >= 0, got " + lecamStart);
        }

        /** The regularisers that existed before section 4.1's conditioning, with it switched off. */
        public RegularizerConfig(double gradientPenalty, double r1, double orthogonalG, double orthogonalD,
                                 double clip, double instanceNoise, long instanceNoiseIterations) {
            this(gradientPenalty, r1, orthogonalG, orthogonalD, clip, instanceNoise, instanceNoiseIterations,
                    SigmaConfig.OFF, SigmaConfig.OFF, 0, 0, 0.99, 1000);
        }
    }

    /**
     * Conditioning of the top singular value sigma_0 of every weight matrix of one network
     * (BigGAN section 4.1), toward sigma_reg = {@code target} or toward r * sg(sigma_1) with
     * r = {@code ratio} (exactly one of the two when anything is on):
     *
     * @param penalty    strength of the penalty penalty * sum_W (sigma_0(W) - target)^2 added to the
     *                   network's loss (0 = off)
     * @param clamp      after every optimiser step, W &lt;- W - max(0, sigma_0 - target) u_0 v_0^T
     * @param target     sigma_reg (0 = unused)
     * @param ratio      r (0 = unused; otherwise &gt;= 1, since sigma_0 &gt;= sigma_1)
     * @param iterations warm-started subspace iterations per estimate for the penalty (the clamp
     *                   iterates to convergence)
     */
    public record SigmaConfig(double penalty, boolean clamp, double target, double ratio, int iterations) {
        /** Everything off. */
        public static final SigmaConfig OFF = new SigmaConfig(0, false, 0, 0, 1);

        public SigmaConfig {
            require(penalty >= 0, "regularizers.sigma_*.penalty must be >= 0 (0 = off), got " + penalty);
            require(target >= 0, "regularizers.sigma_*.target must be >= 0 (0 = unused), got " + target);
            require(ratio == 0 || ratio >= 1, "regularizers.sigma_*.ratio must be 0 (unused) or >= 1 (sigma_0 is "
                    + "never below sigma_1), got " + ratio);
            require(iterations >= 1, "regularizers.sigma_*.iterations must be >= 1, got " + iterations);
        }

        /** Whether the penalty or the clamp is on. */
        public boolean active() {
            return penalty > 0 || clamp;
        }
    }

    public enum OptimizerKind { ADAM, RMSPROP, SGD }

    public enum Schedule { CONSTANT, LINEAR_DECAY, WARMUP }

    /**
     * One network's optimiser.
     *
     * @param scheduleStart for LINEAR_DECAY: the iteration where decay starts (it reaches 0 at
     *                      the last iteration); for WARMUP: the number of warm-up iterations
     */
    public record OptimizerConfig(OptimizerKind kind, double lr, double beta1, double beta2, double eps,
                                  double momentum, double alpha, double weightDecay, Schedule schedule,
                                  long scheduleStart) {
        public OptimizerConfig {
            require(kind != null, "optimizer.*.kind is missing");
            require(lr > 0, "optimizer.*.lr must be > 0, got " + lr);
            require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "optimizer betas must be in [0, 1)");
            require(eps > 0, "optimizer.*.eps must be > 0");
            require(momentum >= 0 && alpha > 0 && alpha < 1 && weightDecay >= 0,
                    "optimizer.*.momentum >= 0, 0 < alpha < 1 and weight_decay >= 0 are required");
            schedule = schedule == null ? Schedule.CONSTANT : schedule;
            require(scheduleStart >= 0, "optimizer.*.schedule_start must be >= 0");
        }
    }

    public record OptimizerPair(OptimizerConfig generator, OptimizerConfig discriminator) {
        public OptimizerPair {
            require(generator != null && discriminator != null,
                    "optimizer.generator and optimizer.discriminator are both required");
        }
    }

    /** Latent distribution used in training (sampling may use another). */
    public enum Latent { NORMAL, UNIFORM, BERNOULLI, CENSORED_NORMAL }

    /** What to do when a loss or gradient is NaN or infinite. */
    public enum OnNonFinite { STOP, ROLLBACK }

    /**
     * @param batchSize     images per D or G forward on one process
     * @param dSteps        D updates per G update (BigGAN 2, WGAN 5)
     * @param accumulation  forwards whose gradients are summed before one optimiser step
     *                      (effective batch = batch_size x accumulation)
     * @param emaDecay      decay of G's EMA (0.9999); 0 = no EMA
     * @param emaStart      iteration from which the EMA averages (before it copies G)
     * @param freezeDBlocks FreezeD (Mo et al. 2020): D's first this many blocks, from the input, keep
     *                      their weights (0 = none)
     */
    public record TrainingConfig(int batchSize, int dSteps, int accumulation, long iterations, double emaDecay,
                                 long emaStart, Latent latent, boolean bf16, OnNonFinite onNonFinite,
                                 @JsonProperty("freeze_d_blocks") int freezeDBlocks) {
        public TrainingConfig {
            require(batchSize > 0, "training.batch_size must be > 0, got " + batchSize);
            require(dSteps > 0, "training.d_steps must be > 0, got " + dSteps);
            require(accumulation > 0, "training.accumulation must be > 0, got " + accumulation);
            require(iterations > 0, "training.iterations must be > 0, got " + iterations);
            require(emaDecay >= 0 && emaDecay < 1, "training.ema_decay must be in [0, 1), got " + emaDecay);
            require(emaStart >= 0, "training.ema_start must be >= 0");
            latent = latent == null ? Latent.NORMAL : latent;
            onNonFinite = onNonFinite == null ? OnNonFinite.STOP : onNonFinite;
            require(freezeDBlocks >= 0, "training.freeze_d_blocks must be >= 0 (0 = none), got " + freezeDBlocks);
        }

        /**
         * Images per iteration, the tool's one definition (bench train, bench dist, the training
         * log's {@code images_per_sec}): the batch of the iteration's G update, batch_size x
         * accumulation, which is how BigGAN-PyTorch counts its batch (its README's ImageNet run:
         * batch 256 x 8 accumulations = "an effective batch size of 2048", whatever the D steps).
         */
        public int imagesPerIteration() {
            return batchSize * accumulation;
        }

        /**
         * Real images the iteration's D updates read: batch_size x accumulation x d_steps (the data
         * loader's load; an objective whose G loss needs real scores reads one more batch).
         */
        public int discriminatorImagesPerIteration() {
            return imagesPerIteration() * dSteps;
        }
    }

    /**
     * @param path     dataset (packed file, idx folder, CIFAR folder, image tree); null = the embedded Fashion-MNIST
     * @param flips    random horizontal flips
     * @param balanced class-balanced sampling
     * @param subsetPerClass train on this many images of each class, drawn once from the data by the
     *                       run's seed (0 = all images)
     */
    public record DataConfig(String path, boolean flips, boolean balanced, int subsetPerClass) {
        public DataConfig {
            require(subsetPerClass >= 0, "data.subset_per_class must be >= 0 (0 = all images), got "
                    + subsetPerClass);
        }
    }

    /**
     * @param logEvery        iterations between metric records
     * @param sampleEvery     iterations between sample sheets (0 = only at the end)
     * @param checkpointEvery iterations between checkpoints
     * @param keepLast        checkpoints kept besides the best
     * @param bestMetric      metric whose best checkpoint is kept (empty = none)
     * @param sampleRows      classes shown in the sample sheet (0 = all, up to 20)
     * @param sampleColumns   samples per class in the sheet
     * @param standingStats   noise batches for standing BatchNorm statistics before sheets and
     *                        evaluations (0 = G's stored running statistics)
     * @param evalEvery       iterations between evaluations during training: FID (and class accuracy) of
     *                        the sampling generator against a fixed set of training images (0 = off)
     * @param evalSamples     generated (and real) images per evaluation during training
     * @param evalFeatures    the feature network for those evaluations: empty = the bundled
     *                        Fashion-MNIST classifier (for 1-channel 28/32 px data of 10 classes);
     *                        {@code inception} = pytorch-fid's FID Inception (weights downloaded once
     *                        into the user cache), {@code inception:FILE} with a local copy of its
     *                        weights; anything else a TorchScript file
     * @param evalFeatureSpec how to feed {@code evalFeatures}: {@code key=value} pairs of
     *                        {@link org.biggan4j.config.TorchScriptSpec#parse}; empty = Inception v3's
     * @param tensorboard     also write TensorBoard event files to {@code RUN/tensorboard/} (scalars,
     *                        sample sheets, singular-value histograms)
     */
    public record OutputConfig(int logEvery, int sampleEvery, int checkpointEvery, int keepLast, String bestMetric,
                               int sampleRows, int sampleColumns, int standingStats, int evalEvery, int evalSamples,
                               String evalFeatures, String evalFeatureSpec, boolean tensorboard) {
        public OutputConfig {
            require(logEvery > 0, "output.log_every must be > 0");
            require(sampleEvery >= 0, "output.sample_every must be >= 0");
            require(checkpointEvery > 0, "output.checkpoint_every must be > 0");
            require(keepLast > 0, "output.keep_last must be > 0");
            bestMetric = bestMetric == null ? "" : bestMetric;
            require(sampleRows >= 0 && sampleColumns > 0, "output.sample_rows >= 0 and sample_columns > 0 are required");
            require(standingStats >= 0, "output.standing_stats must be >= 0 (0 = stored statistics)");
            require(evalEvery >= 0, "output.eval_every must be >= 0 (0 = no evaluation during training), got "
                    + evalEvery);
            require(evalSamples >= 10, "output.eval_samples must be >= 10 (FID needs a covariance), got "
                    + evalSamples);
            evalFeatures = evalFeatures == null ? "" : evalFeatures;
            evalFeatureSpec = evalFeatureSpec == null ? "" : evalFeatureSpec;
            require(evalFeatureSpec.isEmpty() || !evalFeatures.isEmpty(), "output.eval_feature_spec describes "
                    + "a TorchScript network: give it with output.eval_features=FILE.pt, or leave the spec empty");
        }
    }

    /** What the collapse detector does when it decides that training has collapsed. */
    public enum OnCollapse {
        OFF, WARN, STOP, ROLLBACK;

        /**
         * By name, case-insensitive; YAML 1.1 reads a bare {@code off} (or {@code no}, {@code false})
         * as a boolean, so a boolean false means OFF.
         */
        @JsonCreator
        public static OnCollapse of(Object value) {
            if (Boolean.FALSE.equals(value)) {
                return OFF;
            }
            String name = String.valueOf(value).trim().toUpperCase(Locale.ROOT);
            for (OnCollapse o : values()) {
                if (o.name().equals(name)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("health.on_collapse must be off, warn, stop or rollback, got '" + value
                    + "'");
        }
    }

    /**
     * Training health (BigGAN section 4): singular-value spectra and the collapse detector.
     *
     * @param spectraEvery      iterations between spectra records (sigma_0..2 and Frobenius norm of every
     *                          weight, {@code spectra.jsonl}); 0 = off
     * @param onCollapse        off, warn (log it), stop (end cleanly), rollback (to the last healthy checkpoint
     *                          with a changed setting)
     * @param window            spectra records in the running baseline of each sigma_0 (its median)
     * @param sigmaRatio        G's first-layer sigma_0 over its running median that counts as an explosion
     * @param sigmaRatioAny     the same ratio for any other G weight (a weaker signal)
     * @param dLossLow          D's (smoothed) loss at or below this counts as "near zero"
     * @param dLossJump         a rise of the smoothed D loss by this much above its recent low counts as a jump
     * @param lossWindow        iterations over which the recent low of D's loss is taken
     * @param qualityDrop       relative drop of a sample-quality proxy from its best (class accuracy; or rise
     *                          of FID) that counts as a sharp drop
     * @param warmup            iterations before the detector judges (weights move fast from their initialisation)
     * @param rollbackGeneratorLrFactor factor applied to G's learning rate at each roll-back
     * @param rollbackDiscriminatorSteps D steps added at each roll-back
     * @param maxRollbacks      roll-backs allowed in one run; the next collapse stops it
     */
    public record HealthConfig(int spectraEvery, OnCollapse onCollapse, int window, double sigmaRatio,
                               double sigmaRatioAny, double dLossLow, double dLossJump, int lossWindow,
                               double qualityDrop, long warmup, double rollbackGeneratorLrFactor, int rollbackDiscriminatorSteps,
                               int maxRollbacks) {
        public HealthConfig {
            require(spectraEvery >= 0, "health.spectra_every must be >= 0 (0 = off), got " + spectraEvery);
            onCollapse = onCollapse == null ? OnCollapse.WARN : onCollapse;
            require(window >= 3, "health.window must be >= 3 spectra records, got " + window);
            require(sigmaRatio > 1, "health.sigma_ratio must be > 1, got " + sigmaRatio);
            require(sigmaRatioAny > 1, "health.sigma_ratio_any must be > 1, got " + sigmaRatioAny);
            require(dLossLow >= 0, "health.d_loss_low must be >= 0, got " + dLossLow);
            require(dLossJump > 0, "health.d_loss_jump must be > 0, got " + dLossJump);
            require(lossWindow >= 10, "health.loss_window must be >= 10 iterations, got " + lossWindow);
            require(qualityDrop > 0 && qualityDrop < 1, "health.quality_drop must be in (0, 1), got " + qualityDrop);
            require(warmup >= 0, "health.warmup must be >= 0, got " + warmup);
            require(rollbackGeneratorLrFactor > 0 && rollbackGeneratorLrFactor <= 1,
                    "health.rollback_generator_lr_factor must be in (0, 1], got " + rollbackGeneratorLrFactor);
            require(rollbackDiscriminatorSteps >= 0, "health.rollback_discriminator_steps must be >= 0, got " + rollbackDiscriminatorSteps);
            require(maxRollbacks >= 1, "health.max_rollbacks must be >= 1, got " + maxRollbacks);
        }
    }

    /**
     * Interventions for experiments on training dynamics (BigGAN section 4: freezing G keeps D
     * stable, freezing D collapses G at once), settable in a preset or with
     * {@code train --resume --set interventions.*=...}. Iterations are 1-based; 0 = never. (The
     * explicit key names keep "g"/"d" separate words: the snake-case rule would write
     * {@code freeze_gfrom}.)
     *
     * @param freezeGFrom      from this iteration on G's parameters are no longer updated (its
     *                         loss is still computed and logged; D keeps training)
     * @param freezeDFrom      the same for D
     * @param resetMomentsGAt  G's optimiser state (Adam's moments and step count) is forgotten
     *                         before this iteration's update
     * @param resetMomentsDAt  the same for D
     * @param changeAt         from this iteration {@code lrG}, {@code lrD}, {@code betasG} and
     *                         {@code betasD} replace the values of the optimizer section
     * @param lrG              G's learning rate from {@code changeAt} on (0 = unchanged); a
     *                         schedule still applies to it
     * @param lrD              D's learning rate from {@code changeAt} on (0 = unchanged)
     * @param betasG           G's Adam betas [beta1, beta2] from {@code changeAt} on (empty = unchanged)
     * @param betasD           D's Adam betas from {@code changeAt} on (empty = unchanged)
     */
    public record InterventionConfig(@JsonProperty("freeze_g_from") long freezeGFrom,
                                     @JsonProperty("freeze_d_from") long freezeDFrom,
                                     @JsonProperty("reset_moments_g_at") long resetMomentsGAt,
                                     @JsonProperty("reset_moments_d_at") long resetMomentsDAt,
                                     long changeAt, double lrG, double lrD, List<Double> betasG,
                                     List<Double> betasD) {
        /** No intervention: the behaviour before interventions existed. */
        public static final InterventionConfig NONE = new InterventionConfig(0, 0, 0, 0, 0, 0, 0, List.of(), List.of());

        public InterventionConfig {
            require(freezeGFrom >= 0 && freezeDFrom >= 0 && resetMomentsGAt >= 0 && resetMomentsDAt >= 0
                    && changeAt >= 0, "interventions.* iterations must be >= 0 (0 = never)");
            require(lrG >= 0 && lrD >= 0, "interventions.lr_g and lr_d must be >= 0 (0 = unchanged)");
            betasG = betasG == null ? List.of() : List.copyOf(betasG);
            betasD = betasD == null ? List.of() : List.copyOf(betasD);
            for (List<Double> b : List.of(betasG, betasD)) {
                require(b.isEmpty() || (b.size() == 2 && b.stream().allMatch(x -> x != null && x >= 0 && x < 1)),
                        "interventions.betas_g and betas_d must be empty (unchanged) or [beta1, beta2] with "
                                + "both in [0, 1), got " + b);
            }
            boolean changes = lrG > 0 || lrD > 0 || !betasG.isEmpty() || !betasD.isEmpty();
            require(changes == (changeAt > 0), changes
                    ? "interventions.lr_*/betas_* need interventions.change_at (the first iteration they apply to)"
                    : "interventions.change_at=" + changeAt + " changes nothing: set interventions.lr_g, lr_d, "
                            + "betas_g or betas_d too, or change_at=0");
        }
    }

    /**
     * Data-parallel training over c10d (the number of processes comes from the launch, not from
     * here, so a checkpoint resumes under any number).
     *
     * @param timeoutS       seconds a rank waits for the others in a collective before it stops with
     *                       an error naming the rank at fault
     * @param crossReplicaBn BatchNorm moments over the global batch (BigGAN section 3), or per process
     * @param checkEvery     iterations between checksum comparisons of all weights and buffers across
     *                       ranks (a debug mode); 0 = off
     */
    public record DistributedConfig(int timeoutS, boolean crossReplicaBn, int checkEvery) {
        public DistributedConfig {
            require(timeoutS >= 1, "distributed.timeout_s must be >= 1 second, got " + timeoutS);
            require(checkEvery >= 0, "distributed.check_every must be >= 0 (0 = off), got " + checkEvery);
        }
    }

    /** A DiffAugment operation (Zhao et al. 2020), as named in {@code augment.policy}. */
    public enum DiffAugmentOp {
        /** Brightness, saturation and contrast, drawn per sample. */
        COLOR,
        /** An integer shift of up to 1/8 of the image side, zero padding. */
        TRANSLATION,
        /** A square of half the image side zeroed at a random position. */
        CUTOUT
    }

    /**
     * Augmentation of everything D sees (issue 23): DiffAugment and ADA. Both off by default, which
     * leaves training exactly as it was.
     *
     * @param policy DiffAugment's operations, comma-separated, applied in the order written (as the
     *               official code applies its policy string): a subset of {@code color},
     *               {@code translation}, {@code cutout}; empty = none
     * @param ada    adaptive discriminator augmentation (Karras et al. 2020)
     */
    public record AugmentConfig(String policy, AdaConfig ada) {
        /** No augmentation. */
        public static final AugmentConfig NONE = new AugmentConfig("", AdaConfig.OFF);

        public AugmentConfig {
            policy = policy == null ? "" : policy.trim();
            require(ada != null, "augment.ada section is missing");
            diffAugmentOps(policy);
        }

        /** The policy's operations in order (empty when the policy is empty). */
        public List<DiffAugmentOp> diffAugmentOps() {
            return diffAugmentOps(policy);
        }

        private static List<DiffAugmentOp> diffAugmentOps(String policy) {
            List<DiffAugmentOp> ops = new ArrayList<>();
            if (policy.isEmpty()) {
                return ops;
            }
            for (String term : policy.split(",", -1)) {
                String name = term.trim().toUpperCase(Locale.ROOT);
                DiffAugmentOp op = null;
                for (DiffAugmentOp o : DiffAugmentOp.values()) {
                    if (o.name().equals(name)) {
                        op = o;
                    }
                }
                require(op != null, "augment.policy='" + policy + "' names '" + term.trim() + "', which is not a "
                        + "DiffAugment operation: use a comma-separated subset of color, translation, cutout, or \"\" "
                        + "for none");
                require(!ops.contains(op), "augment.policy='" + policy + "' names " + term.trim()
                        + " twice: name each operation once");
                ops.add(op);
            }
            return ops;
        }
    }

    /**
     * ADA, the 'bgc' pipeline of Karras et al. 2020 (appendix B), with its probability p adapted
     * from the overfitting heuristic r_t = E[sign(D(x_real))].
     *
     * @param enabled     whether ADA augments D's inputs
     * @param p           the initial p (the fixed p when {@code target} is 0), in [0, 1]
     * @param target      the r_t that p is steered towards (the paper: 0.6); 0 = p stays fixed
     * @param speedImages real images over which p can move by 1 (the paper: 500k)
     * @param interval    iterations between adjustments of p (the paper: 4)
     */
    public record AdaConfig(boolean enabled, double p, double target, long speedImages, int interval) {
        /** ADA off. */
        public static final AdaConfig OFF = new AdaConfig(false, 0, 0.6, 500_000, 4);

        public AdaConfig {
            require(p >= 0 && p <= 1, "augment.ada.p must be in [0, 1], got " + p);
            require(target >= 0 && target < 1, "augment.ada.target must be in [0, 1) (0 = keep p fixed), got "
                    + target);
            require(speedImages > 0, "augment.ada.speed_images must be > 0, got " + speedImages);
            require(interval >= 1, "augment.ada.interval must be >= 1 iteration, got " + interval);
            require(enabled || p == 0, "augment.ada.p=" + p + " has no effect while augment.ada.enabled=false: set "
                    + "augment.ada.enabled=true, or leave p at 0");
        }
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("Invalid configuration: " + message + ".");
        }
    }
}
