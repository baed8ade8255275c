package org.biggan4j.dist;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * One rank of {@link ProcessGroupTest}'s jobs, in its own process as a launcher would start it:
 * reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT from the environment, runs the
 * collectives and writes what it ends with, one line per tensor, to the file given as argument.
 */
public final class RankMain {

    public static void main(String[] args) throws Exception {
        WorldSpec world = WorldSpec.fromEnvironment(System.getenv());
        int r = world.rank();
        StringBuilder out = new StringBuilder();
        try (ProcessGroup group = ProcessGroup.join(world, Duration.ofSeconds(Long.parseLong(args[1])))) {
            if (args[2].equals("collectives")) {
                List<Tensor> tensors = List.of(Tensors.fromFloats(new float[] {r, 10 * r, 1}, ComputeDevice.CPU, 3),
                        Tensors.fromFloats(new float[] {r + 1, r + 2, r + 3, r + 4}, ComputeDevice.CPU, 2, 2));
                group.allReduceMean(tensors);
                Tensor own = Tensors.fromFloats(new float[] {r, r, r}, ComputeDevice.CPU, 3);
                group.broadcast(List.of(own), 0);
                for (Tensor t : List.of(tensors.get(0), tensors.get(1), own)) {
                    out.append(Arrays.toString(Tensors.toFloats(t))).append('\n');
                }
            } else {
                Seeds.seedTorch(100 + r);                                    // different weights per rank
                LinearImpl net = new LinearImpl(3, 2);
                DataParallel.broadcastState(group, net);
                out.append(Arrays.toString(Tensors.toFloats(net.weight()))).append('\n');
                // Two micro-batches: the first accumulates locally, the last averages what both left.
                Replicas replicas = new Replicas(group, false);
                replicas.backward(net, net.weight().sum().mul(new Scalar(r + 1.0)), false);
                Tensor loss = net.weight().sum().mul(new Scalar(r + 1.0));
                if (r == 0) {                                                // rank 1 does not use the bias
                    loss = loss.add(net.bias().sum().mul(new Scalar(4.0)));
                }
                replicas.backward(net, loss, true);
                out.append(Arrays.toString(Tensors.toFloats(net.weight().grad()))).append('\n');
                out.append(Arrays.toString(Tensors.toFloats(net.bias().grad()))).append('\n');
            }
        }
        Files.writeString(Path.of(args[0]), out.toString());
    }

    private RankMain() {
    }
}
