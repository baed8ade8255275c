package org.biggan4j.train;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The moving average of G's weights that BigGAN samples from (decay 0.9999): after every G
 * update, target = decay * target + (1 - decay) * source for every parameter; buffers (BatchNorm
 * statistics, spectral-norm vectors) are copied. Before {@code start} the target copies the
 * source exactly, as BigGAN-PyTorch does, so the average does not begin from random weights.
 */
public final class ExponentialMovingAverage implements GanStep.AfterGenerator {

    private final List<Tensor> sourceParams = new ArrayList<>();
    private final List<Tensor> targetParams = new ArrayList<>();
    private final List<Tensor> sourceBuffers = new ArrayList<>();
    private final List<Tensor> targetBuffers = new ArrayList<>();
    private final double decay;
    private final long start;

    public ExponentialMovingAverage(Module source, Module target,
                                    double decay, long start) {
        if (decay < 0 || decay >= 1) {
            throw new IllegalArgumentException("The EMA decay must be in [0, 1), got " + decay + ".");
        }
        this.decay = decay;
        this.start = start;
        pair(source.named_parameters(true), target.named_parameters(true), sourceParams, targetParams);
        pair(source.named_buffers(true), target.named_buffers(true), sourceBuffers, targetBuffers);
    }

    private static void pair(StringTensorDict a, StringTensorDict b,
                             List<Tensor> as, List<Tensor> bs) {
        Map<String, Tensor> target = new HashMap<>();
        for (long i = 0; i < b.size(); i++) {
            target.put(b.get(i).key().getString(), b.get(i).value());  // used before b goes away
        }
        for (long i = 0; i < a.size(); i++) {
            String name = a.get(i).key().getString();
            Tensor t = target.get(name);
            if (t == null) {
                throw new IllegalArgumentException("The EMA target lacks '" + name + "': it must be the same architecture.");
            }
            // Own handles: value() points into the dict, which is a temporary.
            as.add(NativeMemory.keep(new Tensor(a.get(i).value())));
            bs.add(NativeMemory.keep(new Tensor(t)));
        }
    }

    /** Copies the source into the target (parameters and buffers). */
    public void copy() {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < sourceParams.size(); i++) {
                targetParams.get(i).copy_(sourceParams.get(i));
            }
            copyBuffers();
        }
    }

    @Override
    public void update(long iteration) {
        if (iteration < start) {
            copy();
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            Scalar keep = new Scalar(decay);
            Scalar take = new Scalar(1 - decay);
            for (int i = 0; i < sourceParams.size(); i++) {
                // target = decay * target + (1 - decay) * source, in place.
                targetParams.get(i).mul_(keep).add_(sourceParams.get(i), take);
            }
            copyBuffers();
        }
    }

    private void copyBuffers() {
        for (int i = 0; i < sourceBuffers.size(); i++) {
            targetBuffers.get(i).copy_(sourceBuffers.get(i));
        }
    }

    /** Makes a target module's state equal to a source's (for building G_ema). */
    public static void initialise(Module source, Module target) {
        StateDict.load(target, StateDict.copyOf(source), "EMA initialisation");
    }
}
