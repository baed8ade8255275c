package org.biggan4j.checkpoint.imports;

import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.Provenance;
import org.biggan4j.checkpoint.RunState;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.checkpoint.torchfile.TorchStateDictReader;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.checkpoint.StoredStandingStatistics;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports a BigGAN-PyTorch generator ({@code G.pth} / {@code G_ema.pth} of ajbrock/BigGAN-PyTorch)
 * into a biggan4j checkpoint.
 *
 * <p>The file is read by {@link TorchStateDictReader} (tensors only; nothing in it is executed),
 * checked key by key against the layout of a generator with the given or inferred arguments
 * ({@link BigGanPyTorchLayout}), and renamed into our {@code BigGanGenerator}'s state dict.
 *
 * <p><b>Spectral norm.</b> In eval mode BigGAN-PyTorch does one power step from its stored
 * {@code u0} every forward, without writing anything back: v = normalise(u0 W),
 * u = normalise(v W^T), sigma = v W^T u^T (their {@code layers.SN.W_}). Our eval mode uses its
 * stored u and v as they are: sigma = u . (W v). Running their step once here and storing the
 * resulting u and v makes the two formulas the same number, so the imported model needs no
 * BigGAN-PyTorch mode. (Training from the imported weights continues with our usual power
 * iteration from those vectors, which is theirs with the same eps.) Their {@code sv0} is a log
 * of sigma and is dropped. A file without any {@code u0} (parameters only) is taken as
 * spectrally normalised all the same, as every BigGAN-PyTorch launch script trains, with sigma
 * the exact spectral norm (see {@link #singularPair}); their eval output then cannot be matched
 * exactly, since it depends on the missing u0.
 *
 * <p><b>BatchNorm statistics.</b> Their {@code stored_mean}/{@code stored_var} become our running
 * statistics, and are also stored as the checkpoint's standing statistics for truncation 0, so
 * that {@code biggan4j sample} without truncation uses exactly the statistics the file carries
 * (as BigGAN-PyTorch's eval mode does) instead of computing a fresh standing-statistics pass.
 */
public final class BigGanPyTorchImporter {

    /** The tensor group the imported weights are written to. */
    public static final String GROUP = "generator";

    private BigGanPyTorchImporter() {
    }

    /** A converted generator: its arguments and its state dict in biggan4j's names. */
    public record Converted(BigGanPyTorchArgs args, TrainConfig config, LinkedHashMap<String, Tensor> state) {
    }

    /**
     * Reads and converts a BigGAN-PyTorch generator state dict.
     *
     * @param config {@code generator_args.json}, or null to infer the arguments from the shapes
     */
    public static Converted convert(Path file, Path config) {
        // Given arguments are sized before the weights are read (a small JSON file can ask for any width).
        BigGanPyTorchArgs given = config != null ? BigGanPyTorchArgs.read(config) : null;
        if (given != null) {
            ModelSize.requireWithinLimit(config, spec(LayoutErrors.config(config, given::config)));
        }
        LinkedHashMap<String, Tensor> theirs = TorchStateDictReader.read(file, ComputeDevice.CPU);
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        theirs.forEach((k, v) -> shapes.put(k, Tensors.shape(v)));
        BigGanPyTorchArgs args = given != null ? given : BigGanPyTorchArgs.infer(shapes, file.toString());
        String generator = "generator of " + (config != null ? config.toString() : "the arguments inferred from "
                + file.getFileName()) + " (" + args + ")";
        TrainConfig trainConfig = LayoutErrors.config(config != null ? config : file, args::config);
        ModelSize.requireWithinLimit(config != null ? config : file, spec(trainConfig));
        return new Converted(args, trainConfig, convert(theirs, args, file.toString(), generator));
    }

    /** Our generator's state-dict names and shapes for {@code args}, built on the meta device. */
    public static LinkedHashMap<String, long[]> ourShapes(BigGanPyTorchArgs args) {
        return NativeMemory.scoped(() -> {
            ModelSpec spec = spec(args.config());
            Generator g = Models.generator(spec, ComputeDevice.META);
            LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
            StateDict.of(g).forEach((k, v) -> out.put(k, Tensors.shape(v)));
            return out;
        });
    }

    static ModelSpec spec(TrainConfig config) {
        return Models.spec(config.model(), false, config.model().classes(), config.model().imageChannels());
    }

    /**
     * Converts tensors in BigGAN-PyTorch's names to biggan4j's, after checking every key and shape.
     *
     * @param source    the file, for messages
     * @param generator what the arguments describe, for messages
     */
    public static LinkedHashMap<String, Tensor> convert(Map<String, Tensor> theirs, BigGanPyTorchArgs args,
                                                        String source, String generator) {
        LinkedHashMap<String, long[]> ours = ourShapes(args);
        LinkedHashMap<String, BigGanPyTorchLayout.Expected> expected = BigGanPyTorchLayout.expected(ours);
        LinkedHashMap<String, long[]> theirShapes = new LinkedHashMap<>();
        theirs.forEach((k, v) -> theirShapes.put(k, Tensors.shape(v)));
        BigGanPyTorchLayout.check(theirShapes, expected, source, generator);

        Map<String, Tensor> byOurKey = new LinkedHashMap<>();
        Map<String, Tensor> u0ByWeight = new LinkedHashMap<>();
        expected.forEach((theirKey, e) -> {
            Tensor t = theirs.get(theirKey);
            if (t == null) {
                return; // an optional sv0
            }
            // Half-precision files (G_fp16) are widened: biggan4j's weights are float32.
            Tensor f = t.to(torch.ScalarType.Float);
            switch (e.kind()) {
                case COPY -> byOurKey.put(e.ourKey(), f);
                case SN_U -> u0ByWeight.put(e.ourKey(), f.reshape(-1));
                case SN_SV -> {
                    // logged sigma: not used in eval mode, dropped
                }
            }
        });
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, long[]> e : ours.entrySet()) {
                String key = e.getKey();
                int dot = key.lastIndexOf('.');
                String module = key.substring(0, dot);
                switch (key.substring(dot + 1)) {
                    case "weight_u", "weight_v", "weight_sigma" -> {
                        String weight = module + ".weight";
                        Tensor u0 = u0ByWeight.get(weight);
                        Tensor[] uvs = out.containsKey(module + ".weight_u") ? null
                                : u0 != null ? powerStep(byOurKey.get(weight), u0, args.snEps())
                                : singularPair(byOurKey.get(weight));
                        if (uvs != null) {
                            out.put(module + ".weight_u", uvs[0]);
                            out.put(module + ".weight_v", uvs[1]);
                            out.put(module + ".weight_sigma", uvs[2]);
                        }
                    }
                    case "num_batches" -> out.put(key, Tensors.zeros(ComputeDevice.CPU,
                            torch.ScalarType.Float, e.getValue()));
                    default -> out.put(key, byOurKey.get(key));
                }
            }
        }
        // Our order (parameters, then buffers), as StateDict.of gives it.
        LinkedHashMap<String, Tensor> ordered = new LinkedHashMap<>();
        ours.keySet().forEach(k -> ordered.put(k, out.get(k)));
        return ordered;
    }

    /**
     * BigGAN-PyTorch's eval-mode power step from u0 (their {@code layers.power_iteration} with one
     * singular value): v = normalise(W^T u0), u = normalise(W v), sigma = u . (W v), normalising by
     * max(norm, eps). Computed in float64 and stored as float32.
     *
     * @return {u [out], v [in], sigma [1]}
     */
    static Tensor[] powerStep(Tensor weight, Tensor u0, double eps) {
        Tensor w = weight.reshape(weight.size(0), -1).to(torch.ScalarType.Double);
        Tensor u0d = u0.to(torch.ScalarType.Double);
        Tensor v = normalise(w.t().mv(u0d), eps);
        Tensor wv = w.mv(v);
        Tensor u = normalise(wv, eps);
        Tensor sigma = u.mul(wv).sum().reshape(1);
        return new Tensor[] {u.to(torch.ScalarType.Float), v.to(torch.ScalarType.Float),
                sigma.to(torch.ScalarType.Float)};
    }

    /**
     * For a file without u0 buffers: the leading singular pair of W, so that our eval sigma
     * u . (W v) is the exact spectral norm, the value BigGAN-PyTorch's power iteration converges
     * to during training (its eval output would need the missing u0).
     *
     * @return {u [out], v [in], sigma [1]}
     */
    static Tensor[] singularPair(Tensor weight) {
        Tensor w = weight.reshape(weight.size(0), -1).to(torch.ScalarType.Double);
        var svd = torch.linalg_svd(w, false, new StringViewOptional());
        Tensor u = svd.get0().select(1, 0);
        Tensor v = svd.get2().select(0, 0);
        Tensor sigma = u.mul(w.mv(v)).sum().reshape(1);
        return new Tensor[] {u.to(torch.ScalarType.Float), v.to(torch.ScalarType.Float),
                sigma.to(torch.ScalarType.Float)};
    }

    private static Tensor normalise(Tensor x, double eps) {
        return x.div(torch.linalg_vector_norm(x).clamp_min(new Scalar(eps)));
    }

    /**
     * Imports {@code file} and writes a biggan4j checkpoint to {@code out} atomically.
     *
     * @param config {@code generator_args.json}, or null to infer the arguments
     * @return the arguments used
     */
    public static BigGanPyTorchArgs importTo(Path file, Path config, Path out) throws IOException {
        String sha = sha256(file);
        return NativeMemory.scoped(() -> {
            Converted c = convert(file, config);
            Map<String, Tensor> statistics = new LinkedHashMap<>();
            c.state().forEach((k, v) -> {
                if (k.endsWith("running_mean") || k.endsWith("running_var") || k.endsWith("num_batches")) {
                    statistics.put(k, v);
                }
            });
            Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
            groups.put(GROUP, c.state());
            StoredStandingStatistics.Entry standing = new StoredStandingStatistics.Entry(GROUP, 0.0, 0, 0, 0);
            groups.put(standing.group(), statistics);

            Map<String, String> imported = new LinkedHashMap<>();
            imported.put("format", "biggan-pytorch");
            imported.put("file", file.getFileName().toString());
            imported.put("sha256", sha);
            imported.put("generator_args", config == null ? "inferred from the shapes" : config.getFileName().toString());
            imported.put("arguments", c.args().toString());
            // The checkpoint's own BatchNorm statistics, listed as a stored set at truncation 0.
            RunState state = RunState.imported(c.args().classes(), imported).withStandingStatistics(List.of(standing));
            try {
                CheckpointFile.write(out, new CheckpointData(0, ConfigLoader.toJson(c.config()),
                        Provenance.current(c.config().seed(), "imported from BigGAN-PyTorch " + file.getFileName()
                                + " (sha256 " + sha + ")"), state, Map.of(), groups, Map.of()));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write " + out + ": " + e.getMessage(), e);
            }
            return c.args();
        });
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Weight file " + file + " does not exist.", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
    }
}
