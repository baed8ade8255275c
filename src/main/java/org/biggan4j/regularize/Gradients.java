package org.biggan4j.regularize;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Input gradients with a graph, for penalties that are differentiated again (GP, R1). */
final class Gradients {

    private Gradients() {
    }

    /**
     * d(sum of outputs)/d(inputs) with {@code create_graph}, so a penalty on it reaches D's
     * parameters by a second backward pass (double backpropagation, never finite differences).
     */
    static Tensor ofSum(Tensor outputs, Tensor inputs) {
        TensorVector g = torch.grad(new TensorVector(outputs.sum()), new TensorVector(inputs), new TensorVector(),
                new BoolOptional(true), true, false);
        return g.get(0);
    }

    /** Per-sample squared L2 norm of {@code [B, ...]} as {@code [B]}. */
    static Tensor squaredNorms(Tensor g) {
        Tensor flat = g.reshape(g.size(0), -1);
        return flat.mul(flat).sum(new long[] {1}, false, null);
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }
}
