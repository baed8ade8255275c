package org.biggan4j.nn;

import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Registering parameters and buffers safely from Java. libtorch's {@code register_parameter}
 * returns a reference into the module's parameter table, which moves when the table grows;
 * keeping that reference crashes later. Modules therefore keep their own handle to the same
 * tensor (handles share storage and autograd state), taken out of any enclosing
 * {@code PointerScope} so a model built inside a scope stays valid after it.
 */
final class Registration {

    private Registration() {
    }

    static Tensor parameter(Module module, String name, Tensor value) {
        module.register_parameter(name, value);
        return NativeMemory.keep(value);
    }

    static Tensor buffer(Module module, String name, Tensor value) {
        module.register_buffer(name, value);
        return NativeMemory.keep(value);
    }
}
