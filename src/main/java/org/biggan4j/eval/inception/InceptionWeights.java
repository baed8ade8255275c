package org.biggan4j.eval.inception;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.torchfile.TorchStateDictReader;
import org.biggan4j.eval.inception.InceptionLayout.Conv;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The FID Inception's weights read from pytorch-fid's published state dict
 * ({@code pt_inception-2015-12-05-6726825d.pth}, a {@code torch.save} zip read by our restricted
 * unpickler) and checked against {@link InceptionLayout} key by key before anything is built: a
 * missing, mis-shaped or unexpected tensor is one line naming the key.
 *
 * <p>Each BatchNorm is folded into the convolution before it: inference BatchNorm is the affine
 * map {@code gamma (y - mean) / sqrt(var + eps) + beta}, so {@code conv(x; W) } followed by it
 * equals {@code conv(x; W s) + (beta - mean s)} with {@code s = gamma / sqrt(var + eps)} per
 * output channel. The fold is computed in float64 and rounded once to float32; it saves one pass
 * over every activation and changes outputs by rounding only (the fixture test bounds it).
 */
public final class InceptionWeights implements AutoCloseable {

    /** A convolution's folded weight [out, in, kh, kw] and bias [out], float32, on the device. */
    record Folded(Tensor weight, Tensor bias) {
    }

    private final Map<String, Folded> convs;
    private final Tensor fcWeight;   // [1008, 2048]
    private final Tensor fcBias;     // [1008]
    private final Path file;
    private String sha256;

    private InceptionWeights(Path file, Map<String, Folded> convs, Tensor fcWeight, Tensor fcBias) {
        this.file = file;
        this.convs = convs;
        this.fcWeight = fcWeight;
        this.fcBias = fcBias;
    }

    /**
     * Reads and folds the weights of {@code file} onto {@code device}, in {@code dtype} (float32
     * for use; float64 to audit the float32 rounding of the network and of a reference).
     *
     * @throws CheckpointException naming the file and key for any missing, extra or mis-shaped tensor
     */
    public static InceptionWeights load(Path file, ComputeDevice device, ScalarType dtype) {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> dict = TorchStateDictReader.read(file, ComputeDevice.CPU);
            check(dict, file);
            Map<String, Folded> convs = new LinkedHashMap<>();
            for (Conv c : InceptionLayout.convs().values()) {
                convs.put(c.name(), fold(dict, c.name(), device, dtype));
            }
            Tensor fcWeight = onDevice(dict.get("fc.weight"), device, dtype);
            Tensor fcBias = onDevice(dict.get("fc.bias"), device, dtype);
            return new InceptionWeights(file, convs, fcWeight, fcBias);
        }
    }

    /**
     * Random weights of the right shapes, for timing: the network's arithmetic does not depend on
     * the values. Scaled so activations stay O(1) (no denormals to slow anything down).
     */
    public static InceptionWeights random(ComputeDevice device, ScalarType dtype) {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Folded> convs = new LinkedHashMap<>();
            for (Conv c : InceptionLayout.convs().values()) {
                double fanIn = c.in() * c.kernelH() * c.kernelW();
                Tensor w = Tensors.randn(ComputeDevice.CPU, c.weightShape()).mul(new Scalar(Math.sqrt(2 / fanIn)));
                convs.put(c.name(), new Folded(onDevice(w, device, dtype),
                        onDevice(Tensors.zeros(ComputeDevice.CPU, ScalarType.Float, c.out()), device, dtype)));
            }
            Tensor fcWeight = Tensors.randn(ComputeDevice.CPU, InceptionLayout.CLASSES, InceptionLayout.FEATURES)
                    .mul(new Scalar(0.02));
            return new InceptionWeights(Path.of("(random weights)"), convs, onDevice(fcWeight, device, dtype),
                    onDevice(Tensors.zeros(ComputeDevice.CPU, ScalarType.Float, InceptionLayout.CLASSES), device, dtype));
        }
    }

    /**
     * Refuses a state dict that is not the FID Inception's: every key of the layout present with
     * its shape, nothing else but BatchNorm's update counters.
     */
    static void check(Map<String, Tensor> dict, Path file) {
        Map<String, long[]> expected = InceptionLayout.keys();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = dict.get(e.getKey());
            if (t == null) {
                throw new CheckpointException(file + ": the tensor " + e.getKey() + " of the FID Inception is missing; "
                        + "this is not pytorch-fid's pt_inception weight file (use the published "
                        + "pt_inception-2015-12-05-6726825d.pth).");
            }
            if (!Arrays.equals(t.sizes().vec().get(), e.getValue())) {
                throw new CheckpointException(file + ": the tensor " + e.getKey() + " has shape "
                        + Arrays.toString(t.sizes().vec().get()) + " where the FID Inception needs "
                        + Arrays.toString(e.getValue()) + "; use pytorch-fid's published pt_inception weights.");
            }
        }
        for (String key : dict.keySet()) {
            // BatchNorm's update counter is training state; anything else is another network.
            if (!expected.containsKey(key) && !key.endsWith(".num_batches_tracked")) {
                throw new CheckpointException(file + ": the tensor " + key + " is not part of the FID Inception; "
                        + "use pytorch-fid's published pt_inception weights.");
            }
        }
    }

    private static Folded fold(Map<String, Tensor> dict, String name, ComputeDevice device, ScalarType dtype) {
        Tensor w = dict.get(name + ".conv.weight").to(ScalarType.Double);
        Tensor gamma = dict.get(name + ".bn.weight").to(ScalarType.Double);
        Tensor beta = dict.get(name + ".bn.bias").to(ScalarType.Double);
        Tensor mean = dict.get(name + ".bn.running_mean").to(ScalarType.Double);
        Tensor var = dict.get(name + ".bn.running_var").to(ScalarType.Double);
        Tensor scale = gamma.div(var.add(new Scalar(InceptionLayout.BN_EPS)).sqrt());
        Tensor weight = w.mul(scale.reshape(-1, 1, 1, 1));
        Tensor bias = beta.sub(mean.mul(scale));
        return new Folded(onDevice(weight, device, dtype), onDevice(bias, device, dtype));
    }

    /** A float32 copy on the device that outlives the loading scope (owned by this object). */
    private static Tensor onDevice(Tensor t, ComputeDevice device, ScalarType dtype) {
        return NativeMemory.keep(t.to(device.torchDevice(), dtype).contiguous().clone());
    }

    /** The folded convolution called {@code name}. */
    Folded conv(String name) {
        Folded f = convs.get(name);
        if (f == null) {
            throw new IllegalStateException("No convolution " + name + " in the loaded FID Inception.");
        }
        return f;
    }

    Tensor fcWeight() {
        return fcWeight;
    }

    Tensor fcBias() {
        return fcBias;
    }

    /** The file the weights came from. */
    public Path file() {
        return file;
    }

    /** The weight file's SHA-256 (hex), computed once; "random" for {@link #random} weights. */
    public synchronized String sha256() {
        if (sha256 == null) {
            sha256 = Files.isRegularFile(file) ? InceptionWeightsCache.sha256Of(file) : "random";
        }
        return sha256;
    }

    @Override
    public void close() {
        for (Folded f : convs.values()) {
            f.weight().close();
            f.bias().close();
        }
        fcWeight.close();
        fcBias.close();
    }
}
