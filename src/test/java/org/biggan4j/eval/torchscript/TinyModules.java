package org.biggan4j.eval.torchscript;

import org.bytedeco.pytorch.BoolType;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;

import java.nio.file.Path;
import java.util.Map;

/**
 * Tiny TorchScript modules written from Java, saved as {@code .pt} files that
 * {@code torch::jit::load} reads exactly as it reads a {@code torch.jit.save} export (Inception v3
 * cannot be downloaded in the test environment).
 */
public final class TinyModules {

    private TinyModules() {
    }

    /**
     * Saves a module whose {@code forward} is {@code source} (TorchScript, the body indented by
     * four spaces) with the given parameters, to {@code dir/name.pt}.
     */
    public static Path save(Path dir, String name, String source, Map<String, Tensor> parameters) {
        JitModule m = new JitModule(new QualifiedName(name));
        // Python modules carry 'training'; one built in C++ does not unless registered.
        m.register_attribute("training", new Type.TypePtr(BoolType.get().get()), new IValue(true), false, false);
        parameters.forEach((k, v) -> m.register_parameter(k, v, false));
        m.define(source);
        Path file = dir.resolve(name + ".pt");
        m.save(file.toString());
        m.close();
        return file;
    }

    /** A module without parameters. */
    public static Path save(Path dir, String name, String source) {
        return save(dir, name, source, Map.of());
    }
}
