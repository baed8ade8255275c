package org.biggan4j.config;

import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.config.TrainConfig.ObjectiveKind;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

/**
 * All checks that involve more than one field live here, so that a record validates only
 * itself and a reader finds every cross-field rule in one place.
 */
public final class ConfigValidator {

    private ConfigValidator() {
    }

    /**
     * Each process's share of the batch: {@code training.batch_size} is the global batch, split
     * evenly among {@code processes} data-parallel processes (as BigGAN-PyTorch's batch is the
     * sum over its GPUs), so it must be a multiple of their number. The one place this rule is
     * checked, for every way processes are asked for.
     *
     * @param processes how many processes share the batch (1 = training alone)
     * @param asked     how they were asked for, for the message ("the 4 processes",
     *                  "--nproc 3 processes")
     * @throws IllegalArgumentException naming the key, the count and the fix
     */
    public static int batchShare(TrainConfig c, int processes, String asked) {
        int batch = c.training().batchSize();
        if (processes < 1 || batch % processes != 0) {
            throw new IllegalArgumentException("training.batch_size=" + batch + " is the global batch and must "
                    + "divide evenly among " + asked + ": set it to a multiple of " + processes + ".");
        }
        return batch / processes;
    }

    /** @throws IllegalArgumentException naming the offending keys and the fix */
    public static void validate(TrainConfig c) {
        TrainConfig.ModelConfig m = c.model();
        List<Integer> supported = m.architecture().resolutions();
        if (!supported.contains(m.resolution())) {
            fail("model.resolution " + m.resolution() + " is not supported by " + name(m.architecture())
                    + ": use one of " + supported);
        }
        for (int a : m.attention()) {
            if (a < 4 || a > m.resolution() || Integer.bitCount(a) != 1) {
                fail("model.attention lists " + a + ", which is not a feature-map resolution of a "
                        + m.resolution() + " px model: use powers of two between 8 and " + m.resolution());
            }
        }
        if (m.truncationBnRows() > 0 && m.architecture() != Architecture.BIGGAN_DEEP) {
            fail("model.truncation_bn_rows is the statistics layout of the published BigGAN-deep models: set "
                    + "model.architecture=biggan_deep or model.truncation_bn_rows=0");
        }
        if (m.hierarchicalZ() && m.architecture() == Architecture.BIGGAN_DEEP) {
            fail("model.hierarchical_z is not part of BigGAN-deep, which feeds the whole z to every block: "
                    + "set model.hierarchical_z=false");
        }
        if (c.regularizers().gradientPenalty() > 0 && m.architecture() == Architecture.DCGAN
                && m.dcganCriticBatchNorm()) {
            fail("regularizers.gradient_penalty needs a critic without BatchNorm (the penalty is per sample): "
                    + "set model.dcgan_critic_batch_norm=false");
        }
        if (c.regularizers().clip() > 0 && c.objective().kind() != ObjectiveKind.WASSERSTEIN) {
            fail("regularizers.clip is WGAN's Lipschitz constraint and only makes sense with objective.kind="
                    + "wasserstein (got " + name(c.objective().kind()) + ")");
        }
        if (c.objective().kind() == ObjectiveKind.EBGAN && m.conditional()) {
            fail("objective.kind=ebgan uses an auto-encoder discriminator without class projection: "
                    + "set model.conditional=false");
        }
        if (c.training().emaStart() > c.training().iterations() && c.training().emaDecay() > 0) {
            // Allowed (G_ema then just copies G), but almost always a typo in a short run.
            LoggerFactory.getLogger(ConfigValidator.class).warn(
                    "training.ema_start ({}) is after the last iteration ({}): G_ema will equal G.",
                    c.training().emaStart(), c.training().iterations());
        }
        if (c.training().freezeDBlocks() > 0 && (c.regularizers().clip() > 0 || c.regularizers().sigmaD().clamp())) {
            fail("training.freeze_d_blocks keeps D's first blocks bit-identical, but regularizers.clip and "
                    + "regularizers.sigma_d.clamp change every weight of D after each step: switch those off or set "
                    + "training.freeze_d_blocks=0");
        }
        TrainConfig.HealthConfig h = c.health();
        if (h.onCollapse() != TrainConfig.OnCollapse.OFF && h.spectraEvery() == 0) {
            fail("health.on_collapse=" + name(h.onCollapse()) + " needs the spectra (G's sigma_0 is the main signal "
                    + "of collapse): set health.spectra_every > 0, or health.on_collapse=off");
        }
        if (h.onCollapse() == TrainConfig.OnCollapse.ROLLBACK && h.rollbackGeneratorLrFactor() == 1
                && h.rollbackDiscriminatorSteps() == 0) {
            fail("health.on_collapse=rollback would replay the collapse unchanged: set health.rollback_generator_lr_factor "
                    + "below 1 or health.rollback_discriminator_steps above 0");
        }
        sigma("regularizers.sigma_g", c.regularizers().sigmaG());
        sigma("regularizers.sigma_d", c.regularizers().sigmaD());
        if (c.regularizers().dropoutD() > 0 && c.objective().kind() == ObjectiveKind.EBGAN) {
            fail("regularizers.dropout_d acts before D's final linear layer, which EBGAN's auto-encoder "
                    + "discriminator does not have: set regularizers.dropout_d=0");
        }
        TrainConfig.InterventionConfig iv = c.interventions();
        if (!iv.betasG().isEmpty() && c.optimizer().generator().kind() != TrainConfig.OptimizerKind.ADAM) {
            fail("interventions.betas_g are Adam's betas but optimizer.generator.kind is "
                    + name(c.optimizer().generator().kind()) + ": leave betas_g empty");
        }
        if (!iv.betasD().isEmpty() && c.optimizer().discriminator().kind() != TrainConfig.OptimizerKind.ADAM) {
            fail("interventions.betas_d are Adam's betas but optimizer.discriminator.kind is "
                    + name(c.optimizer().discriminator().kind()) + ": leave betas_d empty");
        }
        TrainConfig.OutputConfig out = c.output();
        boolean evalMetric = out.bestMetric().equals("fid") || out.bestMetric().equals("class_accuracy");
        if (evalMetric && out.evalEvery() > 0 && out.checkpointEvery() % out.evalEvery() != 0) {
            fail("output.best_metric=" + out.bestMetric() + " compares the checkpoints' figures, so every checkpoint "
                    + "needs a fresh evaluation: make output.checkpoint_every (" + out.checkpointEvery()
                    + ") a multiple of output.eval_every (" + out.evalEvery() + ")");
        }
        if (evalMetric && out.evalEvery() == 0) {
            // A warning, not an error: configurations stored before output.eval_every existed may say this.
            LoggerFactory.getLogger(ConfigValidator.class).warn(
                    "output.best_metric={} has no values while output.eval_every=0: no best checkpoint will be kept. "
                            + "Set output.eval_every to evaluate during training.", out.bestMetric());
        }
        if (out.tensorboard() && c.health().spectraEvery() == 0) {
            // A warning: scalars and sample sheets are still written; only the histograms need the tracker.
            LoggerFactory.getLogger(ConfigValidator.class).warn("output.tensorboard writes singular-value histograms "
                    + "only when health.spectra_every > 0 (it is 0): set it to record them.");
        }
        if (!out.evalFeatureSpec().isEmpty()) {
            try {
                TorchScriptSpec.parse(out.evalFeatureSpec());
            } catch (IllegalArgumentException e) {
                String why = e.getMessage();
                fail("output.eval_feature_spec: " + (why.endsWith(".") ? why.substring(0, why.length() - 1) : why));
            }
        }
        for (var o : List.of(c.optimizer().generator(), c.optimizer().discriminator())) {
            if (o.schedule() == TrainConfig.Schedule.LINEAR_DECAY && o.scheduleStart() >= c.training().iterations()) {
                fail("optimizer.*.schedule_start (" + o.scheduleStart() + ") must be before the last iteration ("
                        + c.training().iterations() + ") for linear_decay");
            }
        }
    }

    /**
     * FreezeD's {@code training.freeze_d_blocks} against the number of blocks D has (known once D
     * is built: the tables live above the configuration).
     *
     * @param blocks the blocks of the discriminator the configuration builds
     */
    public static void frozenBlocks(TrainConfig c, int blocks) {
        int k = c.training().freezeDBlocks();
        if (k > blocks) {
            fail("training.freeze_d_blocks=" + k + " is more than the " + blocks + " blocks of the "
                    + name(c.model().architecture()) + " discriminator at " + c.model().resolution() + " px: set it to "
                    + "at most " + blocks + (blocks > 0 ? " (FreezeD keeps a few of the first ones, e.g. 2-4)" : ""));
        }
    }

    /** Section 4.1's conditioning needs one target: sigma_reg or r * sg(sigma_1). */
    private static void sigma(String key, TrainConfig.SigmaConfig s) {
        if (s.active() && (s.target() > 0) == (s.ratio() > 0)) {
            fail(key + " (penalty " + s.penalty() + ", clamp " + s.clamp() + ") needs exactly one target: set "
                    + key + ".target (a fixed sigma_reg) or " + key + ".ratio (r of r * sigma_1), not "
                    + (s.target() > 0 ? "both" : "neither"));
        }
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static void fail(String message) {
        throw new IllegalArgumentException("Invalid configuration: " + message + ".");
    }
}
