package org.biggan4j.dist;

import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.tensor.SampleNoise;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.ReplicaSync;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ReplicaSync} over a c10d {@link ProcessGroup}: gradients averaged in buckets after
 * every network update's backward passes (DistributedDataParallel's scheme, without its overlap
 * of communication and backward), metrics averaged once per iteration, per-sample noise drawn
 * per replica ({@link SampleNoise}), and, when asked, every
 * BatchNorm that runs in the step normalised with the moments of the global batch
 * ({@link CrossReplicaMoments}).
 */
public final class Replicas implements ReplicaSync {

    private final ProcessGroup group;
    private final CrossReplicaMoments moments; // null: each replica normalises with its own moments

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
    public void averageGradients(Module network) {
        if (moments != null) {
            moments.rethrowFailure();
        }
        DataParallel.averageGradients(group, network);
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
