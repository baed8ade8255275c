package org.biggan4j.model.mlp;

import org.biggan4j.model.Discriminator;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small fully connected critic for low-dimensional toy data:
 * {@code x -> [Linear, LeakyReLU(0.2)] x hiddenLayers -> Linear -> score}. Unconditional; no
 * batch statistics, so each score depends only on its own sample (as gradient penalties need).
 * Accepts {@code [B, D]} or {@code [B, D, 1, 1]} inputs. LeakyReLU (rather than ReLU) keeps its
 * input gradient non-zero everywhere, which the gradient penalties act on.
 */
public final class MlpDiscriminator extends Discriminator {

    private static final double LEAK = 0.2;

    private final int inputDim;
    private final List<LinearImpl> hidden = new ArrayList<>();
    private final LinearImpl out;

    /**
     * @param inputDim     dimension of a sample (2 for planar data)
     * @param hiddenWidth  units per hidden layer
     * @param hiddenLayers number of hidden layers (&gt;= 1)
     */
    public MlpDiscriminator(int inputDim, int hiddenWidth, int hiddenLayers) {
        checkSizes(inputDim, hiddenWidth, hiddenLayers, 1, "discriminator");
        this.inputDim = inputDim;
        int in = inputDim;
        for (int i = 0; i < hiddenLayers; i++) {
            hidden.add(register_module("hidden" + i, new LinearImpl(in, hiddenWidth)));
            in = hiddenWidth;
        }
        out = register_module("out", new LinearImpl(in, 1));
    }

    @Override
    public Tensor forward(Tensor images, Tensor classes) {
        if (classes != null) {
            throw new IllegalArgumentException("MlpDiscriminator is unconditional: pass null classes.");
        }
        long b = images.size(0);
        if (images.numel() != b * inputDim) {
            throw new IllegalArgumentException("MlpDiscriminator expects " + inputDim + " values per sample, got "
                    + Arrays.toString(Tensors.shape(images)) + ".");
        }
        Tensor h = images.reshape(b, inputDim);               // [B, D]
        for (LinearImpl layer : hidden) {
            h = torch.leaky_relu(layer.forward(h), new Scalar(LEAK));   // [B, width]
        }
        return out.forward(dropoutBeforeHead(h)).reshape(b);  // [B]
    }

    @Override
    public int numClasses() {
        return 0;
    }

    static void checkSizes(int in, int width, int layers, int outDim, String what) {
        if (in <= 0 || width <= 0 || layers < 1 || outDim <= 0) {
            throw new IllegalArgumentException("An MLP " + what + " needs positive input, width and output sizes and "
                    + "at least one hidden layer, got input " + in + ", width " + width + ", layers " + layers
                    + ", output " + outDim + ".");
        }
    }
}
