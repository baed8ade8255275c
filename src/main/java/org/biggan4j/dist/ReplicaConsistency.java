package org.biggan4j.dist;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A debug check that the replicas are still one model ({@code distributed.check_every}): every
 * N iterations each rank reduces every parameter and buffer of G, D and G_ema (spectral-norm
 * vectors, BatchNorm running statistics, the moving average) to two float64 checksums, its sum
 * and its sum of absolute values, adds the data position and the noise salt, and the ranks
 * compare the lot through one all-reduce of the minimum and one of the maximum. Identical
 * replicas give bitwise identical checksums; the first difference stops the run naming the
 * tensor. (The noise needs no check: it is reseeded from the iteration on every rank.)
 */
public final class ReplicaConsistency implements TrainingListener {

    private final ProcessGroup group;
    private final int every;

    public ReplicaConsistency(ProcessGroup group, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("The consistency check needs an interval >= 1, got " + every + ".");
        }
        this.group = group;
        this.every = every;
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        if (session.iteration() % every == 0) {
            NativeMemory.scoped(() -> check(session));
        }
    }

    /** Compares the replicas now; throws naming the first quantity that differs. */
    public void check(TrainingSession session) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        StateDict.of(session.generator()).forEach((k, v) -> state.put("generator." + k, v));
        StateDict.of(session.discriminator()).forEach((k, v) -> state.put("discriminator." + k, v));
        if (session.generatorEma() != null) {
            StateDict.of(session.generatorEma()).forEach((k, v) -> state.put("generator_ema." + k, v));
        }
        List<String> names = new ArrayList<>();
        List<Tensor> sums = new ArrayList<>();
        state.forEach((name, t) -> {
            Tensor d = t.detach().to(torch.ScalarType.Double);
            names.add(name + " (sum)");
            sums.add(d.sum());
            names.add(name + " (sum of |x|)");
            sums.add(d.abs().sum());
        });
        Tensor checksums = torch.stack(new TensorVector(sums.toArray(new Tensor[0])))
                .to(group.device().torchDevice(), torch.ScalarType.Double);
        List<Double> extra = new ArrayList<>();
        session.dataPosition().forEach((k, v) -> {
            names.add("data position " + k);
            extra.add(((Number) v).doubleValue());
        });
        names.add("noise salt");
        extra.add((double) session.step().noiseSalt());
        double[] extraValues = extra.stream().mapToDouble(Double::doubleValue).toArray();
        Tensor all = torch.cat(new TensorVector(checksums,
                Tensors.fromDoubles(extraValues, group.device(), extraValues.length)), 0).contiguous();
        Tensor min = all.clone();
        Tensor max = all.clone();
        group.allReduce(min, ReduceOp.RedOpType.MIN);
        group.allReduce(max, ReduceOp.RedOpType.MAX);
        double[] lo = Tensors.toDoubles(min);
        double[] hi = Tensors.toDoubles(max);
        for (int i = 0; i < lo.length; i++) {
            if (Double.compare(lo[i], hi[i]) != 0) {
                throw new ReplicaFailureException("The replicas diverged by iteration " + session.iteration() + ": "
                        + names.get(i) + " ranges from " + lo[i] + " to " + hi[i] + " across the "
                        + group.world().worldSize() + " ranks (distributed.check_every)", null);
            }
        }
    }
}
