package org.biggan4j.train.optim;

import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.bytedeco.pytorch.TensorVector;

import java.util.function.LongToDoubleFunction;

/** libtorch optimisers and learning-rate schedules from configuration records. */
public final class Optimizers {

    private Optimizers() {
    }

    /**
     * Adam (BigGAN: betas (0, 0.999)), RMSProp without momentum (WGAN, whose authors found
     * momentum-based methods unstable with a clipped critic), or SGD, with state a checkpoint
     * stores as plain tensors (see {@link ParameterOptimizer}).
     */
    public static ParameterOptimizer create(OptimizerConfig c, TensorVector parameters) {
        return new ParameterOptimizer(c, parameters);
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
     * iteration) into {@code optimizer}, which must be of kind {@code c.kind()}: changed betas on
     * {@code --resume --set}, interventions.betas_*.
     */
    public static void applyOptions(ParameterOptimizer optimizer, OptimizerConfig c) {
        optimizer.apply(c);
    }

    /** Adam's (beta1, beta2) of {@code optimizer} (for tests and logs). */
    public static double[] adamBetas(ParameterOptimizer optimizer) {
        return new double[] {optimizer.settings().beta1(), optimizer.settings().beta2()};
    }

    /** Forgets the optimiser's moments (an intervention of the health issue): state restarts from zero. */
    public static ParameterOptimizer reset(OptimizerConfig c, ParameterOptimizer old) {
        return create(c, old.parameters());
    }
}
