package org.biggan4j.loss;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Small tensor helpers shared by the objectives. */
final class Terms {

    private Terms() {
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }

    /** relu(v + t), mean over the batch. */
    static Tensor meanRelu(Tensor t, double add) {
        return torch.relu(t.add(s(add))).mean();
    }

    static Tensor require(Tensor t, String name, String objective) {
        if (t == null) {
            throw new IllegalArgumentException("The " + objective + " objective needs " + name + ".");
        }
        return t;
    }
}
