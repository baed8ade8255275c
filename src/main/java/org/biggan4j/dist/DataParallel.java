package org.biggan4j.dist;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import java.util.ArrayList;
import java.util.List;

/**
 * The start of data-parallel training over a {@link ProcessGroup}: every rank starts from rank
 * 0's parameters and buffers (spectral-norm vectors, BatchNorm statistics); averaged gradients
 * ({@link Replicas}) then keep them identical.
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
}
