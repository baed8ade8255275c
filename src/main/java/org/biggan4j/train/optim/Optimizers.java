package org.biggan4j.train.optim;

import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OptimizerOptions;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.RMSprop;
import org.bytedeco.pytorch.RMSpropOptions;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.TensorVector;

import java.util.function.LongToDoubleFunction;

/** libtorch optimisers and learning-rate schedules from configuration records. */
public final class Optimizers {

    private Optimizers() {
    }

    /**
     * Adam (BigGAN: betas (0, 0.999)), RMSProp without momentum (WGAN, whose authors found
     * momentum-based methods unstable with a clipped critic), or SGD.
     */
    public static Optimizer create(OptimizerConfig c, TensorVector parameters) {
        return switch (c.kind()) {
            case ADAM -> {
                AdamOptions o = new AdamOptions(c.lr());
                // betas is a std::tuple<double, double>, which libstdc++ lays out last element first:
                // index 0 is beta2. (Writing {beta1, beta2} silently swaps them; a test pins this.)
                o.betas().put(new double[] {c.beta2(), c.beta1()});
                o.eps().put(c.eps());
                o.weight_decay().put(c.weightDecay());
                yield new Adam(parameters, o);
            }
            case RMSPROP -> {
                RMSpropOptions o = new RMSpropOptions(c.lr());
                o.alpha().put(c.alpha());
                o.eps().put(c.eps());
                o.momentum().put(c.momentum());
                o.weight_decay().put(c.weightDecay());
                yield new RMSprop(parameters, o);
            }
            case SGD -> {
                SGDOptions o = new SGDOptions(c.lr());
                o.momentum().put(c.momentum());
                o.weight_decay().put(c.weightDecay());
                yield new SGD(parameters, o);
            }
        };
    }

    /**
     * The learning rate at each iteration (1-based):
     * <ul>
     *   <li>constant: {@code lr};</li>
     *   <li>linear decay: {@code lr} until {@code schedule_start}, then linearly to 0 at the last iteration;</li>
     *   <li>warm-up: linearly from lr / warm-up length to {@code lr} over the first {@code schedule_start}
     *       iterations, then constant.</li>
     * </ul>
     */
    public static LongToDoubleFunction schedule(OptimizerConfig c, long totalIterations) {
        double lr = c.lr();
        long start = c.scheduleStart();
        return switch (c.schedule()) {
            case CONSTANT -> it -> lr;
            case LINEAR_DECAY -> it -> it <= start ? lr
                    : lr * Math.max(0.0, (double) (totalIterations - it) / (totalIterations - start));
            case WARMUP -> it -> start == 0 || it >= start ? lr : lr * it / start;
        };
    }

    /**
     * Writes every setting of {@code c} except the learning rate (which the schedule sets each
     * iteration) into every parameter group of {@code optimizer}, which must be of kind
     * {@code c.kind()}. Loading a checkpoint's optimiser state also restores the options it was
     * saved with; this puts the configuration's back (changed betas on {@code --resume --set},
     * interventions.betas_*).
     */
    public static void applyOptions(Optimizer optimizer, OptimizerConfig c) {
        OptimizerParamGroupVector groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) {
            // The options object of a group is the derived C++ type of the optimiser; a Pointer
            // cast views it as such (single inheritance: same address).
            OptimizerOptions options = groups.get(i).options();
            switch (c.kind()) {
                case ADAM -> {
                    AdamOptions o = new AdamOptions(options);
                    o.betas().put(new double[] {c.beta2(), c.beta1()}); // std::tuple: beta2 first, see create
                    o.eps().put(c.eps());
                    o.weight_decay().put(c.weightDecay());
                }
                case RMSPROP -> {
                    RMSpropOptions o = new RMSpropOptions(options);
                    o.alpha().put(c.alpha());
                    o.eps().put(c.eps());
                    o.momentum().put(c.momentum());
                    o.weight_decay().put(c.weightDecay());
                }
                case SGD -> {
                    SGDOptions o = new SGDOptions(options);
                    o.momentum().put(c.momentum());
                    o.weight_decay().put(c.weightDecay());
                }
            }
        }
    }

    /** Adam's (beta1, beta2) of {@code optimizer}'s first parameter group (for tests and logs). */
    public static double[] adamBetas(Optimizer optimizer) {
        AdamOptions o = new AdamOptions(optimizer.param_groups().get(0).options());
        double[] stored = new double[2];
        o.betas().get(stored);
        return new double[] {stored[1], stored[0]};
    }

    /** Forgets the optimiser's moments (an intervention of the health issue): state restarts from zero. */
    public static Optimizer reset(OptimizerConfig c, Optimizer old) {
        return create(c, old.parameters());
    }
}
