package org.biggan4j.checkpoint;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A module's state: its parameters and buffers by their stable dotted names (as
 * {@code named_parameters()} / {@code named_buffers()} give them). Saving reads the live
 * tensors; loading copies values into the module's own tensors in place, so optimisers that
 * hold references to the parameters keep working.
 */
public final class StateDict {

    private StateDict() {
    }

    /** Parameters then buffers of {@code module}, by name. The tensors are the module's own (not copies). */
    public static LinkedHashMap<String, Tensor> of(Module module) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        put(out, module.named_parameters(true));
        put(out, module.named_buffers(true));
        return out;
    }

    private static void put(Map<String, Tensor> out, StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            // A handle of our own: value() points into the dict, a temporary that may be freed.
            out.put(dict.get(i).key().getString(), new Tensor(dict.get(i).value()));
        }
    }

    /**
     * Copies {@code state} into {@code module}. Every tensor of the module must be present with
     * the same shape, and the state must hold nothing else.
     *
     * @param what names the source in error messages, for example {@code "run/ckpt-1000.b4j: generator"}
     * @throws CheckpointException naming the first missing, unexpected or mis-shaped tensor
     */
    public static void load(Module module, Map<String, Tensor> state, String what) {
        LinkedHashMap<String, Tensor> own = of(module);
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor source = state.get(e.getKey());
            if (source == null) {
                throw new CheckpointException(what + " lacks tensor '" + e.getKey() + "' of shape "
                        + Arrays.toString(Tensors.shape(e.getValue()))
                        + ": the checkpoint was written for a different model configuration.");
            }
            long[] want = Tensors.shape(e.getValue());
            long[] have = Tensors.shape(source);
            if (!Arrays.equals(want, have)) {
                throw new CheckpointException(what + ": tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(have) + " but the model expects " + Arrays.toString(want)
                        + ": the checkpoint was written for a different model configuration.");
            }
        }
        for (String name : state.keySet()) {
            if (!own.containsKey(name)) {
                throw new CheckpointException(what + " has tensor '" + name
                        + "', which the model does not have: the checkpoint was written for a different model.");
            }
        }
        try (NoGradGuard guard = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                e.getValue().copy_(state.get(e.getKey()));
            }
        }
    }

    /** Independent copies of every tensor of {@code module} (for snapshots that must not follow training). */
    public static LinkedHashMap<String, Tensor> copyOf(Module module) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        of(module).forEach((k, v) -> out.put(k, v.detach().clone()));
        return out;
    }
}
