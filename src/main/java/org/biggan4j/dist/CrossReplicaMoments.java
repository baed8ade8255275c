package org.biggan4j.dist;

import org.biggan4j.nn.BatchNorm2d;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.ReduceOp;

/**
 * Cross-replica BatchNorm (BigGAN section 3 / appendix: moments "computed across all devices"),
 * as PyTorch's SyncBatchNorm does it: the per-channel sums and sums of squares of every
 * replica's share are all-reduced in the forward, so each replica normalises with the moments
 * of the global batch, and the gradient reaching those sums is all-reduced in the backward.
 *
 * <p>Why the backward needs it: the global loss is the mean of the replicas' losses, and each
 * replica's loss depends on every replica's activations through the shared moments. Replica r
 * holds only dL_r/dS; the gradient its activations need is sum_r' dL_r'/dS, the sum over
 * replicas. The forward gives the reduced sums the value of the global sums but the autograd
 * history of the local ones ({@code global.detach() + (local - local.detach())}), and a hook on
 * them replaces the incoming gradient by its sum over replicas. With the parameter gradients
 * then averaged, every update equals the single-process update over the global batch.
 *
 * <p>The order of the hooks' collectives is the same on every replica because the graphs are.
 * A failed collective inside a hook cannot be thrown through libtorch's backward; it is kept
 * and rethrown by {@link #rethrowFailure()}, which the replicas call right after each backward.
 */
final class CrossReplicaMoments implements BatchNorm2d.MomentsHook {

    private final ProcessGroup group;
    private volatile RuntimeException failure;
    /** One native callback for all layers (JavaCPP allots few callback objects per type); kept reachable. */
    private final TensorTensorHook sumGradient = new TensorTensorHook() {
        @Override
        public TensorBase call(TensorBase grad) {
            Tensor summed = new Tensor(grad).contiguous().clone();
            if (failure == null) {
                try {
                    group.allReduce(summed, ReduceOp.RedOpType.SUM);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            return summed;
        }
    };

    CrossReplicaMoments(ProcessGroup group) {
        this.group = group;
    }

    @Override
    public BatchNorm2d.Moments reduce(Tensor sum, Tensor sumOfSquares, long count) {
        rethrowFailure();
        long channels = sum.size(0);
        Tensor local = torch.cat(new TensorVector(sum, sumOfSquares), 0);
        Tensor global = local.detach().contiguous().clone();
        group.allReduce(global, ReduceOp.RedOpType.SUM);
        Tensor shared = local.requires_grad() ? global.add(local.sub(local.detach())) : global;
        if (shared.requires_grad()) {
            shared.register_hook(sumGradient);
        }
        return new BatchNorm2d.Moments(shared.narrow(0, 0, channels), shared.narrow(0, channels, channels),
                count * group.world().worldSize());
    }

    /** Throws the failure of a backward collective, if one failed since the last call. */
    void rethrowFailure() {
        RuntimeException e = failure;
        if (e != null) {
            failure = null;
            throw e;
        }
    }
}
