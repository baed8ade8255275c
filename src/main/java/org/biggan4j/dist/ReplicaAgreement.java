package org.biggan4j.dist;

import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Tensor;

/**
 * Makes every rank stop after the same iteration. A stop can be asked of one rank alone (a
 * signal reaching one process, rank 0's collapse monitor): after every iteration each rank
 * offers whether its own {@code local} signal was raised, and when any was, all raise the
 * {@code agreed} signal that their loops obey. The last listener of every rank, so that rank
 * 0's other listeners (which may ask for the stop) have run.
 */
public final class ReplicaAgreement implements TrainingListener {

    private final ProcessGroup group;
    private final StopSignal local;
    private final StopSignal agreed;

    public ReplicaAgreement(ProcessGroup group, StopSignal local, StopSignal agreed) {
        this.group = group;
        this.local = local;
        this.agreed = agreed;
    }

    @Override
    public void onIteration(TrainingSession session, StepMetrics metrics) {
        Tensor flag = Tensors.fromDoubles(new double[] {local.requested() ? 1 : 0}, group.device(), 1);
        group.allReduce(flag, ReduceOp.RedOpType.MAX);
        if (Tensors.toDoubles(flag)[0] > 0) {
            agreed.request();
        }
    }
}
