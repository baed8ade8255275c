package org.biggan4j.eval.torchscript;

import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.eval.reference.Fingerprints;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import org.biggan4j.io.BadInputException;
import org.biggan4j.io.InputLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A user's TorchScript module ({@code torch.jit.save} output, for example torchvision's
 * Inception v3) as a {@link FeatureExtractor}. Images [B, C, H, W] in [-1, 1] are resized to the
 * spec's input side, repeated to 3 channels when grey and the network reads RGB, renormalised,
 * and run through {@code forward}; the features (and logits) are read from the output the
 * {@link TorchScriptSpec} names, 4-D outputs averaged over space.
 *
 * <p>Loading runs one forward pass on a zero batch, so that the feature width D, the class count
 * K and any mismatch between the spec and the module (a tensor where a tuple was expected, an
 * index past the tuple's end, a 3-D output) are known before any data is read; such a mismatch
 * is an {@link IllegalArgumentException} of one line naming the file.
 *
 * <p><b>A TorchScript file is code that runs.</b> Unlike the weight formats biggan4j reads
 * (safetensors, state dicts through a restricted unpickler), a TorchScript module is a program:
 * {@code torch::jit::load} deserialises it and {@code forward} executes whatever it contains,
 * with the rights of this process (files, network, subprocesses through custom ops it may
 * reference). Load only modules from a source you trust. The file's SHA-256 is logged at info
 * level when it is loaded and recorded in the evaluation's JSON ({@code feature_network_sha256})
 * and in the reference-cache key, so a result can be traced to the exact bytes that ran.
 * Before libtorch sees the file it is checked to exist, to be a zip archive (what
 * {@code torch.jit.save} writes) and to be within {@link InputLimits#entryBytes()}; any libtorch
 * error while loading becomes a one-line {@link BadInputException} naming the file.
 *
 * <p>The module and every tensor live on the configured device. {@link #extract} creates its
 * tensors in the caller's {@code PointerScope}, as the {@link FeatureExtractor} contract says.
 */
@SuppressWarnings("try") // PointerScope and NoGradGuard act by existing, unreferenced
public final class TorchScriptFeatures implements FeatureExtractor {

    /** Images in the zero batch probed at load time (2, so that batch-dependent code paths show). */
    private static final int PROBE_BATCH = 2;
    private static final Logger LOG = LoggerFactory.getLogger(TorchScriptFeatures.class);

    private final Path file;
    private final String sha256;
    private final TorchScriptSpec spec;
    private final ComputeDevice device;
    private final JitModule module;
    private final Tensor imagenetMean;   // [1, 3, 1, 1], or null
    private final Tensor imagenetStd;    // [1, 3, 1, 1], or null
    private final int featureDim;
    private final int numClasses;
    private boolean closed;

    private TorchScriptFeatures(Path file, String sha256, TorchScriptSpec spec, ComputeDevice device, JitModule module) {
        this.file = file;
        this.sha256 = sha256;
        this.spec = spec;
        this.device = device;
        this.module = module;
        if (spec.normalisation() == TorchScriptSpec.Normalisation.IMAGENET) {
            imagenetMean = NativeMemory.keep(Tensors.fromDoubles(TorchScriptSpec.Normalisation.imagenetMean(), device,
                    1, 3, 1, 1).to(ScalarType.Float));
            imagenetStd = NativeMemory.keep(Tensors.fromDoubles(TorchScriptSpec.Normalisation.imagenetStd(), device,
                    1, 3, 1, 1).to(ScalarType.Float));
        } else {
            imagenetMean = null;
            imagenetStd = null;
        }
        int[] widths = probe();
        this.featureDim = widths[0];
        this.numClasses = widths[1];
    }

    /**
     * Loads {@code file} with {@code torch::jit::load} onto {@code device}, puts it in evaluation
     * mode and probes one forward pass.
     *
     * <p>The module is code and runs as such (see the class comment); its SHA-256 is logged first.
     *
     * @throws BadInputException one line naming the file when it is missing, too large, not a
     *                           TorchScript archive or refused by libtorch
     * @throws IllegalArgumentException one line naming the file when the module does not fit the spec
     */
    public static TorchScriptFeatures load(Path file, TorchScriptSpec spec, ComputeDevice device) {
        checkFile(file);
        String sha256 = Fingerprints.sha256(file);
        LOG.info("Loading TorchScript feature network {} (sha256 {}): it is code and runs with this process's rights.",
                file, sha256);
        JitModule module;
        try {
            module = NativeMemory.keep(torch.load(file.toString(), new DeviceOptional(device.torchDevice()), false));
        } catch (RuntimeException e) {
            // c10::Error arrives as a RuntimeException whose message carries C++ frames: keep one line.
            throw BadInputException.of(file, "could not be loaded as TorchScript (" + firstLine(e.getMessage()) + ")",
                    "save it with torch.jit.save(torch.jit.script(model) or torch.jit.trace(model, x), path)");
        }
        module.eval();
        try {
            return new TorchScriptFeatures(file, sha256, spec, device, module);
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    /**
     * What can be checked before libtorch reads the file: that it exists, is no larger than
     * {@link InputLimits#entryBytes()} and starts like the zip archive {@code torch.jit.save} writes.
     */
    private static void checkFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(file, "the feature network does not exist or is not a file",
                    "give a TorchScript module saved with torch.jit.save");
        }
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            size = Files.size(file);
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw BadInputException.of(file, "the feature network cannot be read (" + firstLine(e.getMessage()) + ")",
                    "check the file and its permissions");
        }
        InputLimits.check(file, "a TorchScript file of " + InputLimits.human(size) + " bytes", size,
                InputLimits.current().entryBytes(), "entry_bytes");
        if (head.length < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            throw BadInputException.of(file, "could not be loaded as TorchScript: it is not the zip archive "
                    + "torch.jit.save writes", "save the network with torch.jit.save(torch.jit.script(model), path)");
        }
    }

    /** Runs a zero batch through the network: returns {D, K} (K = 0 without logits). */
    private int[] probe() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor zeros = Tensors.zeros(device, ScalarType.Float, PROBE_BATCH, spec.channels(), spec.inputSize(),
                    spec.inputSize());
            IValue out = run(zeros);
            Tensor features = output(out, spec.featureOutput(), "feature", PROBE_BATCH);
            int k = 0;
            if (spec.hasLogits()) {
                k = (int) output(out, spec.logitsOutput(), "logits", PROBE_BATCH).size(1);
            }
            return new int[] {(int) features.size(1), k};
        }
    }

    @Override
    public int featureDim() {
        return featureDim;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    /** The channels the network reads (grey images are also accepted when this is 3). */
    @Override
    public int imageChannels() {
        return spec.channels();
    }

    /** The spec this network was loaded with. */
    public TorchScriptSpec spec() {
        return spec;
    }

    /** The module file. */
    public Path file() {
        return file;
    }

    /** SHA-256 of the module file, hex. */
    public String sha256() {
        return sha256;
    }

    /**
     * What the features depend on: the module's bytes and the spec. Two extractors with the same
     * identity give the same features for the same images (the reference-cache key).
     */
    public String identity() {
        return "torchscript sha256=" + sha256 + " " + spec.canonical();
    }

    @Override
    public Output extract(Tensor images) {
        checkOpen();
        long[] shape = Tensors.shape(images);
        if (shape.length != 4) {
            throw new IllegalArgumentException("Images for " + file.getFileName() + " must be [B, C, H, W], got "
                    + Arrays.toString(shape) + ".");
        }
        if (shape[1] != spec.channels() && !(shape[1] == 1 && spec.channels() == 3)) {
            throw new IllegalArgumentException("Feature network " + file.getFileName() + " reads " + spec.channels()
                    + "-channel images, these have " + shape[1] + "; use --feature-channels " + shape[1]
                    + " if the network accepts them.");
        }
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor x = prepare(images);
            IValue out = run(x);
            Tensor features = output(out, spec.featureOutput(), "feature", shape[0]);
            Tensor logits = spec.hasLogits() ? output(out, spec.logitsOutput(), "logits", shape[0]) : null;
            return new Output(features, logits);
        }
    }

    /**
     * Images [B, C, H, W] in [-1, 1] to the network's input [B, channels, S, S] in its range:
     * resize, repeat grey to RGB, renormalise. Resizing first keeps the work on one channel for
     * grey images; the order does not matter otherwise (both resizes are averages with weights
     * summing to one, so they commute with the affine normalisation).
     */
    Tensor prepare(Tensor images) {
        Tensor x = images.to(device.torchDevice(), ScalarType.Float);
        int s = spec.inputSize();
        if (x.size(2) != s || x.size(3) != s) {
            x = switch (spec.resize()) {
                case BILINEAR -> torch.upsample_bilinear2d(x, new long[] {s, s}, false);
                case AREA -> torch.adaptive_avg_pool2d(x, s, s);
            };
        }
        if (x.size(1) == 1 && spec.channels() == 3) {
            x = x.expand(x.size(0), 3, s, s);
        }
        return switch (spec.normalisation()) {
            case MINUS_ONE_ONE -> x.contiguous();
            case ZERO_ONE -> x.add(new Scalar(1.0)).mul(new Scalar(0.5));
            case IMAGENET -> x.add(new Scalar(1.0)).mul(new Scalar(0.5)).sub(imagenetMean).div(imagenetStd);
        };
    }

    private IValue run(Tensor input) {
        try {
            return module.forward(new IValueVector(new IValue(input)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Feature network " + file + " failed on a batch of shape "
                    + Arrays.toString(Tensors.shape(input)) + " (" + firstLine(e.getMessage()) + "); check "
                    + "--feature-input-size and --feature-channels.", e);
        }
    }

    /** Element {@code index} of the module's output as a float matrix [B, width]. */
    private Tensor output(IValue out, int index, String what, long batch) {
        Tensor t;
        if (out.isTensor()) {
            if (index != 0) {
                throw error("returns a single tensor, but the " + what + " output index is " + index
                        + " (use 0, or have forward return a tuple)");
            }
            t = out.toTensor();
        } else if (out.isTuple() || out.isTensorList() || out.isList()) {
            long size;
            IValue element;
            if (out.isTuple()) {
                var elements = out.toTuple().elements();
                size = elements.size();
                element = index < size ? elements.get(index) : null;
            } else if (out.isTensorList()) {
                TensorVector v = out.toTensorVector();
                size = v.size();
                element = index < size ? new IValue(v.get(index)) : null;
            } else {
                var list = out.toList();
                size = list.size();
                element = index < size ? list.get(index) : null;
            }
            if (element == null) {
                throw error("returns " + size + " outputs, so the " + what + " output index " + index
                        + " does not exist (indices start at 0)");
            }
            if (!element.isTensor()) {
                throw error("output " + index + " (" + what + ") is a " + element.tagKind().getString()
                        + ", not a tensor");
            }
            t = element.toTensor();
        } else {
            throw error("returns a " + out.tagKind().getString() + "; expected a tensor, a tuple or a list of tensors");
        }
        long[] shape = Tensors.shape(t);
        if (shape.length == 4 && spec.poolSpatial()) {
            t = t.mean(2, 3);                                                   // [B, D, h, w] -> [B, D]
        } else if (shape.length != 2) {
            throw error("output " + index + " (" + what + ") has shape " + Arrays.toString(shape) + "; expected [B, D]"
                    + (spec.poolSpatial() ? " or [B, D, h, w]" : " (spatial pooling is off)"));
        }
        if (t.size(0) != batch) {
            throw error("output " + index + " (" + what + ") has " + t.size(0) + " rows for a batch of " + batch);
        }
        if (!torch.is_floating_point(t)) {
            throw error("output " + index + " (" + what + ") holds integers; features and logits must be floating point");
        }
        return t.to(device.torchDevice(), ScalarType.Float);
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("Feature network " + file + " " + what + "; check --feature-output and "
                + "--logits-output.");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        String line = message.strip().lines().findFirst().orElse("no message");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    @Override
    public String describe() {
        return "TorchScript " + file.getFileName() + " (sha256 " + sha256.substring(0, 12) + ", " + spec.canonical()
                + ", " + featureDim + "-d features" + (numClasses > 0 ? ", " + numClasses + " classes" : ", no logits")
                + ")";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This TorchScript feature network is closed.");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        module.close();
        if (imagenetMean != null) {
            imagenetMean.close();
            imagenetStd.close();
        }
    }
}
