package org.biggan4j.dist;

import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.tensor.SampleNoise;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.ReplicaSync;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ReplicaSync} over a c10d {@link ProcessGroup}: gradients averaged by libtorch's
 * DistributedDataParallel engine (c10d's Reducer: buckets all-reduced while the backward goes
 * on), metrics averaged once per iteration, per-sample noise drawn per replica
 * ({@link SampleNoise}), and, when asked, every BatchNorm that runs in the step normalised with
 * the moments of the global batch ({@link CrossReplicaMoments}).
 */
public final class Replicas implements ReplicaSync {

    private final ProcessGroup group;
    private final CrossReplicaMoments moments; // null: each replica normalises with its own moments
    /** Per network, built at its first update (after a resume's weights are in place), kept for the run. */
    private final Map<Module, Reducer> reducers = new IdentityHashMap<>();

    public Replicas(ProcessGroup group, boolean crossReplicaBatchNorm) {
        this.group = group;
        this.moments = crossReplicaBatchNorm ? new CrossReplicaMoments(group) : null;
    }

    public ProcessGroup group() {
        return group;
    }

    @Override
    public Iteration begin(long iteration) {
        group.markIteration(iteration);
        WorldSpec world = group.world();
        SampleNoise.Scope noise = SampleNoise.shardRows(world.rank(), world.worldSize());
        if (moments == null) {
            return noise::close;
        }
        BatchNorm2d.Route route = BatchNorm2d.routeMoments(moments);
        return () -> {
            route.close();
            noise.close();
        };
    }

    @Override
    public void backward(Module network, Tensor loss, boolean last) {
        if (moments != null) {
            moments.rethrowFailure();
        }
        if (!last || group.world().worldSize() == 1) {
            // Earlier micro-batches accumulate locally; a lone replica has nothing to average.
            loss.backward();
            return;
        }
        Reducer reducer = reducers.computeIfAbsent(network, n -> group.reducer(trainable(n)));
        reducer.prepare_for_backward(new TensorVector(loss));
        try {
            loss.backward();
        } catch (RuntimeException e) {
            throw group.failure("the gradient all-reduce", e);
        }
        if (moments != null) {
            moments.rethrowFailure();
        }
    }

    /** The parameters that train: those requiring gradients when the network's first update begins. */
    private static TensorVector trainable(Module network) {
        TensorVector all = network.parameters(true);
        List<Tensor> trainable = new ArrayList<>();
        for (long i = 0; i < all.size(); i++) {
            Tensor p = new Tensor(all.get(i)); // own handle: the vector's elements are freed with it
            if (p.requires_grad()) {
                trainable.add(p);
            }
        }
        return new TensorVector(trainable.toArray(new Tensor[0]));
    }

    @Override
    public Map<String, Double> averageMetrics(Map<String, Double> metrics) {
        List<String> keys = new ArrayList<>(metrics.keySet());
        double[] values = new double[keys.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = metrics.get(keys.get(i));
        }
        Tensor t = Tensors.fromDoubles(values, group.device(), values.length);
        group.allReduceMean(List.of(t));
        double[] mean = Tensors.toDoubles(t);
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < mean.length; i++) {
            out.put(keys.get(i), mean[i]);
        }
        return out;
    }
}
