package org.biggan4j.train.optim;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.config.TrainConfig.OptimizerConfig;
import org.biggan4j.config.TrainConfig.OptimizerKind;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, RMSProp or SGD over a fixed list of parameters, whose state (moments, momentum
 * buffers, step counts) is plain tensors held here.
 *
 * <p>Why not libtorch's {@code torch::optim} classes: their per-parameter state sits in a C++
 * hash map that the JavaCPP presets do not map ({@code AdamParamState} is mapped, the map that
 * holds it is not), so the only way to save and restore it was libtorch's serialisation
 * archives, whose loader is the TorchScript machinery. Here a checkpoint stores the state as a
 * safetensors group ({@link #state}) and reads it back by copying numbers ({@link #loadState}).
 *
 * <p>Each update applies libtorch's operations in libtorch's order (torch/csrc/api/src/optim/
 * adam.cpp, rmsprop.cpp, sgd.cpp), so a run takes the same steps it took with libtorch's
 * classes; the one difference is the bias corrections' {@code pow}, taken from
 * {@link StrictMath} so that they are the same on every JVM and platform.
 *
 * <p>State tensors outlive the step's native-memory scope ({@link NativeMemory#keep});
 * {@link #close} frees them.
 */
public final class ParameterOptimizer implements AutoCloseable {

    /** Names of one parameter's state tensors, per kind; a step count is stored as "step". */
    private static final Map<OptimizerKind, List<String>> BUFFERS = Map.of(
            OptimizerKind.ADAM, List.of("exp_avg", "exp_avg_sq"),
            OptimizerKind.RMSPROP, List.of("square_avg", "momentum_buffer"),
            OptimizerKind.SGD, List.of("momentum_buffer"));

    private final List<Tensor> parameters;
    private OptimizerConfig settings;
    private double learningRate;
    /** Updates applied to each parameter (Adam and RMSProp's bias corrections and bookkeeping). */
    private final long[] steps;
    /** Per parameter, the kind's buffers in {@link #BUFFERS} order; null until first needed. */
    private final Tensor[][] buffers;

    /** An optimiser of kind {@code settings.kind()} over {@code parameters}, with empty state. */
    public ParameterOptimizer(OptimizerConfig settings, TensorVector parameters) {
        this.parameters = new ArrayList<>();
        for (long i = 0; i < parameters.size(); i++) {
            // Handles of our own: get(i) points into the vector, a temporary that may be freed;
            // kept out of any scope, as an optimiser may be made during a step (a moment reset).
            this.parameters.add(NativeMemory.keep(new Tensor(parameters.get(i))));
        }
        this.settings = settings;
        this.learningRate = settings.lr();
        this.steps = new long[this.parameters.size()];
        this.buffers = new Tensor[this.parameters.size()][BUFFERS.get(settings.kind()).size()];
    }

    /** The parameters, in the order the state is indexed by. */
    public TensorVector parameters() {
        return new TensorVector(parameters.toArray(new Tensor[0]));
    }

    /** The settings in force (the learning rate is {@link #learningRate()}'s). */
    public OptimizerConfig settings() {
        return settings;
    }

    public OptimizerKind kind() {
        return settings.kind();
    }

    public double learningRate() {
        return learningRate;
    }

    /** Sets the learning rate of the next steps (the schedule calls this every iteration). */
    public void setLearningRate(double lr) {
        this.learningRate = lr;
    }

    /**
     * Takes every setting of {@code c} except the learning rate (which the schedule sets): a
     * changed beta on {@code --resume --set}, an intervention's betas. The kind cannot change.
     */
    public void apply(OptimizerConfig c) {
        if (c.kind() != settings.kind()) {
            throw new IllegalArgumentException("Cannot turn a " + settings.kind() + " optimiser into " + c.kind()
                    + ": reset its moments (interventions.reset_moments_*_at) to change the kind.");
        }
        this.settings = c;
    }

    /** Forgets every gradient (sets it to none, as libtorch's {@code zero_grad(true)}). */
    public void zeroGrad() {
        for (Tensor p : parameters) {
            Tensor grad = p.mutable_grad();
            if (grad.defined()) {
                grad.reset();
            }
        }
    }

    /** One update of every parameter that has a gradient. */
    public void step() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Coefficients k = new Coefficients(settings, learningRate);
            for (int i = 0; i < parameters.size(); i++) {
                Tensor p = parameters.get(i);
                Tensor grad = p.grad();
                if (!grad.defined()) {
                    continue;
                }
                switch (settings.kind()) {
                    case ADAM -> adam(i, p, grad, k);
                    case RMSPROP -> rmsProp(i, p, grad, k);
                    case SGD -> sgd(i, p, grad, k);
                }
            }
        }
    }

    /**
     * The step's scalar operands, made once per step rather than once per parameter (each is a
     * native object; a BigGAN has hundreds of parameter tensors). Same values, so the same results.
     */
    private record Coefficients(Scalar weightDecay, Scalar beta1, Scalar oneMinusBeta1, Scalar beta2,
                                Scalar oneMinusBeta2, Scalar alpha, Scalar oneMinusAlpha, Scalar eps,
                                Scalar momentum, Scalar one, Scalar minusLr) {
        Coefficients(OptimizerConfig c, double lr) {
            this(new Scalar(c.weightDecay()), new Scalar(c.beta1()), new Scalar(1 - c.beta1()), new Scalar(c.beta2()),
                    new Scalar(1 - c.beta2()), new Scalar(c.alpha()), new Scalar(1 - c.alpha()), new Scalar(c.eps()),
                    new Scalar(c.momentum()), new Scalar(1.0), new Scalar(-lr));
        }
    }

    private void adam(int i, Tensor p, Tensor grad, Coefficients k) {
        Tensor expAvg = buffer(i, 0, p);
        Tensor expAvgSq = buffer(i, 1, p);
        steps[i]++;
        double biasCorrection1 = 1 - StrictMath.pow(settings.beta1(), steps[i]);
        double biasCorrection2 = 1 - StrictMath.pow(settings.beta2(), steps[i]);
        if (settings.weightDecay() != 0) {
            grad = grad.add(p, k.weightDecay());
        }
        expAvg.mul_(k.beta1()).add_(grad, k.oneMinusBeta1());
        expAvgSq.mul_(k.beta2()).addcmul_(grad, grad, k.oneMinusBeta2());
        // libtorch's (exp_avg_sq.sqrt() / sqrt(bc2)).add_(eps), dividing in place: the same kernel
        // and result, one temporary instead of two.
        Tensor denom = expAvgSq.sqrt();
        denom.div_(new Scalar(Math.sqrt(biasCorrection2))).add_(k.eps());
        p.addcdiv_(expAvg, denom, new Scalar(-learningRate / biasCorrection1));
        release(denom, grad);
    }

    /**
     * Frees a temporary now rather than when the step's scope closes, as C++ would at the end
     * of each parameter's update: a step over a large model then holds one parameter's
     * temporaries at a time, not all of them. ({@code grad} is a temporary only when weight
     * decay made a new tensor of it.)
     */
    private void release(Tensor temporary, Tensor grad) {
        temporary.close();
        if (settings.weightDecay() != 0) {
            grad.close();
        }
    }

    private void rmsProp(int i, Tensor p, Tensor grad, Coefficients k) {
        Tensor squareAvg = buffer(i, 0, p);
        steps[i]++;
        if (settings.weightDecay() != 0) {
            grad = grad.add(p, k.weightDecay());
        }
        squareAvg.mul_(k.alpha()).addcmul_(grad, grad, k.oneMinusAlpha());
        Tensor avg = squareAvg.sqrt();
        avg.add_(k.eps());
        if (settings.momentum() > 0) {
            Tensor momentum = buffer(i, 1, p);
            momentum.mul_(k.momentum()).addcdiv_(grad, avg);
            p.add_(momentum, k.minusLr());
        } else {
            p.addcdiv_(grad, avg, k.minusLr());
        }
        release(avg, grad);
    }

    private void sgd(int i, Tensor p, Tensor grad, Coefficients k) {
        Tensor update = grad;
        if (settings.weightDecay() != 0) {
            update = update.add(p, k.weightDecay());
        }
        if (settings.momentum() != 0) {
            if (buffers[i][0] == null) {
                // libtorch starts the buffer at the first gradient itself, not at zero.
                buffers[i][0] = NativeMemory.keep(update.clone().detach());
            } else {
                buffers[i][0].mul_(k.momentum()).add_(update, k.one());
            }
            update = buffers[i][0];
        }
        steps[i]++;
        p.add_(update, k.minusLr());
    }

    /** Buffer {@code b} of parameter {@code i}, created as zeros like {@code p} when first needed. */
    private Tensor buffer(int i, int b, Tensor p) {
        if (buffers[i][b] == null) {
            buffers[i][b] = NativeMemory.keep(torch.zeros_like(p));
        }
        return buffers[i][b];
    }

    /**
     * The state as named tensors, for a checkpoint: {@code <index>.step} (a 64-bit integer
     * scalar) and {@code <index>.<buffer>} for each parameter that has been updated, where the
     * index is the parameter's position in {@link #parameters()}. The buffers are the live
     * tensors; write them before the next step.
     */
    public LinkedHashMap<String, Tensor> state() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        List<String> names = BUFFERS.get(settings.kind());
        for (int i = 0; i < parameters.size(); i++) {
            if (steps[i] == 0) {
                continue;
            }
            out.put(i + ".step", Tensors.fromLongs(new long[] {steps[i]}, ComputeDevice.CPU));
            for (int b = 0; b < names.size(); b++) {
                if (buffers[i][b] != null) {
                    out.put(i + "." + names.get(b), buffers[i][b]);
                }
            }
        }
        return out;
    }

    /**
     * Replaces the state with {@code state} as {@link #state} wrote it. Every name, shape and
     * type is checked against this optimiser's parameters before anything changes.
     *
     * @param source names the checkpoint and group in error messages
     * @throws CheckpointException naming the first tensor that does not fit
     */
    public void loadState(Map<String, Tensor> state, String source) {
        List<String> names = BUFFERS.get(settings.kind());
        long[] newSteps = new long[parameters.size()];
        Tensor[][] loaded = new Tensor[parameters.size()][names.size()];
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            Tensor t = e.getValue();
            int dot = key.indexOf('.');
            int index = dot > 0 && key.substring(0, dot).matches("\\d{1,9}") ? Integer.parseInt(key.substring(0, dot)) : -1;
            String field = dot > 0 ? key.substring(dot + 1) : "";
            if (index < 0 || index >= parameters.size() || !(field.equals("step") || names.contains(field))) {
                throw mismatch(source, "holds '" + key + "', which the " + settings.kind() + " optimiser of this "
                        + "model (" + parameters.size() + " parameters) does not have");
            }
            if (field.equals("step")) {
                if (t.dim() != 0 || Tensors.dtype(t) != torch.ScalarType.Long || t.item_long() < 1) {
                    throw mismatch(source, "'" + key + "' must be a positive 64-bit integer scalar");
                }
                newSteps[index] = t.item_long();
                continue;
            }
            Tensor p = parameters.get(index);
            if (!Arrays.equals(Tensors.shape(t), Tensors.shape(p)) || Tensors.dtype(t) != Tensors.dtype(p)) {
                throw mismatch(source, "'" + key + "' has shape " + Arrays.toString(Tensors.shape(t)) + " ("
                        + Tensors.dtype(t) + ") but its parameter has " + Arrays.toString(Tensors.shape(p)) + " ("
                        + Tensors.dtype(p) + ")");
            }
            loaded[index][names.indexOf(field)] = t;
        }
        for (int i = 0; i < parameters.size(); i++) {
            boolean any = false;
            for (Tensor t : loaded[i]) {
                any |= t != null;
            }
            if (any && newSteps[i] == 0) {
                throw mismatch(source, "has buffers of parameter " + i + " but not its step count");
            }
            // Adam and RMSProp's first buffer exists from the first step on; only momentum is optional.
            if (newSteps[i] > 0 && settings.kind() != OptimizerKind.SGD && loaded[i][0] == null) {
                throw mismatch(source, "lacks '" + i + "." + names.get(0) + "'");
            }
        }
        close();
        for (int i = 0; i < parameters.size(); i++) {
            steps[i] = newSteps[i];
            for (int b = 0; b < names.size(); b++) {
                Tensor t = loaded[i][b];
                Tensor p = parameters.get(i);
                buffers[i][b] = t == null ? null
                        : NativeMemory.keep(t.to(p.device(), Tensors.dtype(p)).clone().detach());
            }
        }
    }

    private static CheckpointException mismatch(String source, String problem) {
        return new CheckpointException(source + ": the optimiser state " + problem + ": it was written for "
                + "another model or optimiser; resume with --reset-moments to start the optimiser afresh.");
    }

    /** Frees the state (the optimiser starts afresh if it steps again). */
    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            for (int b = 0; b < buffers[i].length; b++) {
                if (buffers[i][b] != null) {
                    buffers[i][b].close();
                    buffers[i][b] = null;
                }
            }
            steps[i] = 0;
        }
    }
}
