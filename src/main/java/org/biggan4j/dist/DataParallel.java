package org.biggan4j.dist;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import java.util.ArrayList;
import java.util.List;

/**
 * The two synchronisations of data-parallel training over a {@link ProcessGroup}: every rank
 * starts from rank 0's parameters and buffers (spectral-norm vectors, BatchNorm statistics),
 * and every backward's parameter gradients are averaged across ranks before the optimiser step,
 * so all ranks apply the same update and stay identical.
 */
public final class DataParallel {

    private DataParallel() {
    }

    /** Copies rank 0's parameters and buffers of {@code module} to every rank (at start and after a resume). */
    public static void broadcastState(ProcessGroup group, Module module) {
        List<Tensor> state = new ArrayList<>();
        TensorVector params = module.parameters(true);
        // Own handles: the vector's and the dict's elements are freed with them (see the README's notes).
        for (long i = 0; i < params.size(); i++) {
            state.add(new Tensor(params.get(i)));
        }
        StringTensorDict buffers = module.named_buffers(true);
        for (long i = 0; i < buffers.size(); i++) {
            state.add(new Tensor(buffers.get(i).value()));
        }
        group.broadcast(state, 0);
    }

    /**
     * Replaces each parameter's gradient by its mean over the ranks. A parameter without a
     * gradient on this rank contributes zeros, so every rank sends the same layout.
     */
    public static void averageGradients(ProcessGroup group, Module module) {
        List<Tensor> grads = new ArrayList<>();
        TensorVector params = module.parameters(true);
        for (long i = 0; i < params.size(); i++) {
            Tensor p = new Tensor(params.get(i));
            if (!p.requires_grad()) {
                continue;
            }
            Tensor g = p.grad();
            if (!g.defined()) {
                g = org.bytedeco.pytorch.global.torch.zeros_like(p);
                p.mutable_grad().put(g);
            }
            grads.add(new Tensor(p.grad()));
        }
        group.allReduceMean(grads);
    }
}
