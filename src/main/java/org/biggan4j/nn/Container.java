package org.biggan4j.nn;

import org.bytedeco.pytorch.Module;

/**
 * A module that only groups children under numbered names, so state-dict keys read
 * {@code blocks.0.conv1.weight} (libtorch forbids dots in one registration name).
 */
public final class Container extends Module {

    /** Registers {@code child} under {@code index} and returns it. */
    public <M extends Module> M add(int index, M child) {
        return register_module(Integer.toString(index), child);
    }
}
