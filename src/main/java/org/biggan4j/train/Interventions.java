package org.biggan4j.train;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.config.TrainConfig.InterventionConfig;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.train.optim.Optimizers;

import java.util.List;
import java.util.function.LongToDoubleFunction;

/**
 * What the {@code interventions} section asks of each iteration (BigGAN section 4's
 * experiments): whether G or D is frozen, whether an optimiser forgets its moments before the
 * iteration, and which optimiser settings (learning rate with its schedule, Adam's betas, the
 * rest from the {@code optimizer} section) hold at the iteration. Pure decisions from the
 * configuration; {@link GanStep} acts on them.
 *
 * <p>The step applies {@link #optimizer} to the optimisers at every iteration, so the
 * configuration, not a checkpoint, decides the settings: a resumed run whose
 * {@code --set} changed, say, {@code optimizer.generator.beta2} uses the new value although the
 * restored optimiser state carries the old one.
 */
public final class Interventions {

    /** One of the two networks. */
    public enum Network { GENERATOR, DISCRIMINATOR }

    private final InterventionConfig config;
    private final OptimizerConfig generator;
    private final OptimizerConfig discriminator;
    private final OptimizerConfig generatorChanged;
    private final OptimizerConfig discriminatorChanged;
    private final LongToDoubleFunction generatorLr;
    private final LongToDoubleFunction discriminatorLr;

    public Interventions(InterventionConfig config, TrainConfig.OptimizerPair optimizers, long totalIterations) {
        this.config = config;
        this.generator = optimizers.generator();
        this.discriminator = optimizers.discriminator();
        this.generatorChanged = changed(generator, config.lrG(), config.betasG());
        this.discriminatorChanged = changed(discriminator, config.lrD(), config.betasD());
        this.generatorLr = schedule(Optimizers.schedule(generator, totalIterations),
                Optimizers.schedule(generatorChanged, totalIterations), config.changeAt());
        this.discriminatorLr = schedule(Optimizers.schedule(discriminator, totalIterations),
                Optimizers.schedule(discriminatorChanged, totalIterations), config.changeAt());
    }

    /** The interventions of a whole configuration. */
    public static Interventions of(TrainConfig config) {
        return new Interventions(config.interventions(), config.optimizer(), config.training().iterations());
    }

    private static OptimizerConfig changed(OptimizerConfig c, double lr, List<Double> betas) {
        return new OptimizerConfig(c.kind(), lr > 0 ? lr : c.lr(), betas.isEmpty() ? c.beta1() : betas.get(0),
                betas.isEmpty() ? c.beta2() : betas.get(1), c.eps(), c.momentum(), c.alpha(), c.weightDecay(),
                c.schedule(), c.scheduleStart());
    }

    private static LongToDoubleFunction schedule(LongToDoubleFunction before, LongToDoubleFunction after,
                                                 long changeAt) {
        return it -> changeAt > 0 && it >= changeAt ? after.applyAsDouble(it) : before.applyAsDouble(it);
    }

    /** The optimiser settings in force at {@code iteration} (the learning rate before its schedule). */
    public OptimizerConfig optimizer(Network network, long iteration) {
        boolean changed = config.changeAt() > 0 && iteration >= config.changeAt();
        return switch (network) {
            case GENERATOR -> changed ? generatorChanged : generator;
            case DISCRIMINATOR -> changed ? discriminatorChanged : discriminator;
        };
    }

    /** The learning rate at each iteration: the schedule of the settings in force then. */
    public LongToDoubleFunction learningRate(Network network) {
        return network == Network.GENERATOR ? generatorLr : discriminatorLr;
    }

    /** Whether {@code network}'s parameters stay unchanged in {@code iteration}. */
    public boolean frozen(Network network, long iteration) {
        long from = network == Network.GENERATOR ? config.freezeGFrom() : config.freezeDFrom();
        return from > 0 && iteration >= from;
    }

    /** Whether {@code network}'s optimiser starts afresh at {@code iteration}. */
    public boolean resetsMoments(Network network, long iteration) {
        long at = network == Network.GENERATOR ? config.resetMomentsGAt() : config.resetMomentsDAt();
        return at > 0 && iteration == at;
    }
}
