package org.biggan4j.model.mlp;

import org.biggan4j.model.Generator;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * A small fully connected generator for low-dimensional toy data (the 2-D ring of Gaussians):
 * {@code z -> [Linear, ReLU] x hiddenLayers -> Linear -> point}. Unconditional.
 *
 * <p>Points are returned as {@code [B, D, 1, 1]} "images" (D channels of 1x1 pixels) so that
 * they fit the {@link Generator} contract. Unlike image generators the output has no tanh: toy
 * data such as a radius-2 ring lies outside (-1, 1).
 */
public final class MlpGenerator extends Generator {

    private final int latentDim;
    private final int outputDim;
    private final List<LinearImpl> hidden = new ArrayList<>();
    private final LinearImpl out;

    /**
     * @param latentDim    dimension of z (&gt; 0)
     * @param hiddenWidth  units per hidden layer (&gt; 0)
     * @param hiddenLayers number of hidden layers (&gt;= 1)
     * @param outputDim    dimension of a sample (2 for planar data)
     */
    public MlpGenerator(int latentDim, int hiddenWidth, int hiddenLayers, int outputDim) {
        MlpDiscriminator.checkSizes(latentDim, hiddenWidth, hiddenLayers, outputDim, "generator");
        this.latentDim = latentDim;
        this.outputDim = outputDim;
        int in = latentDim;
        for (int i = 0; i < hiddenLayers; i++) {
            hidden.add(register_module("hidden" + i, new LinearImpl(in, hiddenWidth)));
            in = hiddenWidth;
        }
        out = register_module("out", new LinearImpl(in, outputDim));
    }

    @Override
    public Tensor forward(Tensor z, Tensor classes) {
        if (classes != null) {
            throw new IllegalArgumentException("MlpGenerator is unconditional: pass null classes.");
        }
        Tensor h = z;                                         // [B, latentDim]
        for (LinearImpl layer : hidden) {
            h = torch.relu(layer.forward(h));                 // [B, width]
        }
        return out.forward(h).reshape(z.size(0), outputDim, 1, 1);   // [B, D, 1, 1]
    }

    @Override
    public int latentDim() {
        return latentDim;
    }

    @Override
    public int numClasses() {
        return 0;
    }

    @Override
    public int resolution() {
        return 1;
    }

    @Override
    public int imageChannels() {
        return outputDim;
    }
}
