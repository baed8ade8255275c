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
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports a huggingface pytorch-pretrained-BigGAN model (BigGAN-deep 128/256/512 converted from
 * TF Hub: a folder with {@code pytorch_model.bin} and {@code config.json}) into a biggan4j
 * checkpoint of a {@link org.biggan4j.model.deep.DeepGenerator} with truncation-indexed BatchNorm
 * statistics ({@code model.truncation_bn_rows} = {@code n_stats}).
 *
 * <p>The file is read by {@link TorchStateDictReader} (tensors only; nothing in it is executed),
 * checked key by key against {@link HfBigGanDeepLayout}, and renamed. Their spectral norm is
 * PyTorch's built-in one, whose eval mode is ours (sigma = u . W v with the stored u and v), so
 * {@code weight_orig}, {@code weight_u} and {@code weight_v} are copied; our
 * {@code weight_sigma} (a logged estimate) is set to u . W v. Their statistics tables become ours
 * unchanged; the checkpoint stores no standing statistics, since sampling chooses table rows
 * from the truncation instead.
 */
public final class HfBigGanDeepImporter {

    /** The tensor group the imported weights are written to. */
    public static final String GROUP = "generator";

    /** The files of a pytorch-pretrained-BigGAN model folder. */
    public static final String WEIGHTS = "pytorch_model.bin";
    public static final String CONFIG = "config.json";

    private HfBigGanDeepImporter() {
    }

    /** A converted generator: its config and its state dict in biggan4j's names. */
    public record Converted(HfBigGanDeepConfig hf, TrainConfig config, LinkedHashMap<String, Tensor> state) {
    }

    /** The weight file of a model folder (or the file itself when given one). */
    public static Path weights(Path in) {
        return Files.isDirectory(in) ? in.resolve(WEIGHTS) : in;
    }

    /** The config of a model folder (or the one next to a weight file). */
    public static Path config(Path in) {
        Path dir = Files.isDirectory(in) ? in : in.toAbsolutePath().getParent();
        return dir.resolve(CONFIG);
    }

    /** Reads and converts a model folder (or a weight file with {@code config.json} beside it). */
    public static Converted convert(Path in) {
        Path weights = weights(in);
        Path configFile = config(in);
        if (!Files.isRegularFile(weights)) {
            throw new CheckpointException("Weight file " + weights + " does not exist: a pytorch-pretrained-BigGAN model "
                    + "folder holds " + WEIGHTS + " and " + CONFIG + ".");
        }
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(in + " has no " + CONFIG + " (looked for " + configFile + "): a "
                    + "pytorch-pretrained-BigGAN model folder holds " + WEIGHTS + " and " + CONFIG + ".");
        }
        HfBigGanDeepConfig hf = HfBigGanDeepConfig.read(configFile);
        // Validated as a biggan4j configuration before a byte of the weights is read, and sized:
        // config.json sets the width.
        TrainConfig trainConfig = LayoutErrors.config(configFile, hf::config);
        ModelSize.requireWithinLimit(configFile, Models.spec(trainConfig.model(), false, trainConfig.model().classes(),
                trainConfig.model().imageChannels()));
        LinkedHashMap<String, Tensor> theirs = TorchStateDictReader.read(weights, ComputeDevice.CPU);
        String generator = "generator of " + configFile + " (" + hf + ")";
        return new Converted(hf, trainConfig, convert(theirs, hf, weights.toString(), generator));
    }

    /** Our generator's state-dict names and shapes for {@code config}, built on the meta device. */
    public static LinkedHashMap<String, long[]> ourShapes(TrainConfig config) {
        return NativeMemory.scoped(() -> {
            Generator g = Models.generator(Models.spec(config.model(), false, config.model().classes(),
                    config.model().imageChannels()), ComputeDevice.META);
            LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
            StateDict.of(g).forEach((k, v) -> out.put(k, Tensors.shape(v)));
            return out;
        });
    }

    /** Their keys and shapes for a config, in our order (for checks and listings). */
    public static LinkedHashMap<String, HfBigGanDeepLayout.Expected> expected(HfBigGanDeepConfig hf) {
        return HfBigGanDeepLayout.expected(ourShapes(hf.config()), hf.attentionPosition());
    }

    /**
     * Converts tensors in pytorch-pretrained-BigGAN's names to biggan4j's, after checking every
     * key and shape.
     *
     * @param source    the file, for messages
     * @param generator what the config describes, for messages
     */
    public static LinkedHashMap<String, Tensor> convert(Map<String, Tensor> theirs, HfBigGanDeepConfig hf,
                                                        String source, String generator) {
        LinkedHashMap<String, long[]> ours = ourShapes(hf.config());
        LinkedHashMap<String, HfBigGanDeepLayout.Expected> expected = HfBigGanDeepLayout.expected(ours,
                hf.attentionPosition());
        LinkedHashMap<String, long[]> theirShapes = new LinkedHashMap<>();
        theirs.forEach((k, v) -> theirShapes.put(k, Tensors.shape(v)));
        HfBigGanDeepLayout.check(theirShapes, expected, source, generator);

        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            expected.forEach((theirKey, e) -> {
                // Half-precision files are widened: biggan4j's weights are float32.
                Tensor t = theirs.get(theirKey).to(torch.ScalarType.Float);
                out.put(e.ourKey(), switch (e.kind()) {
                    case COPY -> t;
                    case TRANSPOSE -> t.t().contiguous();
                    case RESHAPE -> t.reshape(ours.get(e.ourKey()));
                });
            });
            for (String key : ours.keySet()) {
                if (key.endsWith(".weight_sigma")) {
                    String module = key.substring(0, key.length() - ".weight_sigma".length());
                    Tensor w = out.get(module + ".weight");
                    Tensor matrix = w.reshape(w.size(0), -1).to(torch.ScalarType.Double);
                    Tensor sigma = out.get(module + ".weight_u").to(torch.ScalarType.Double)
                            .mul(matrix.mv(out.get(module + ".weight_v").to(torch.ScalarType.Double))).sum();
                    out.put(key, sigma.reshape(1).to(torch.ScalarType.Float));
                }
            }
        }
        LinkedHashMap<String, Tensor> ordered = new LinkedHashMap<>();
        ours.keySet().forEach(k -> ordered.put(k, out.get(k)));
        return ordered;
    }

    /**
     * Imports a model folder and writes a biggan4j checkpoint to {@code out} atomically; nothing
     * is written when any check fails.
     *
     * @return the model's config
     */
    public static HfBigGanDeepConfig importTo(Path in, Path out) throws IOException {
        Path weights = weights(in);
        return NativeMemory.scoped(() -> {
            Converted c = convert(in);
            String sha = BigGanPyTorchImporter.sha256(weights);
            Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
            groups.put(GROUP, c.state());
            Map<String, String> imported = new LinkedHashMap<>();
            imported.put("format", "hf-biggan-deep");
            imported.put("file", weights.getFileName().toString());
            imported.put("sha256", sha);
            imported.put("config", c.hf().toString());
            RunState state = RunState.imported(c.hf().classes(), imported);
            try {
                CheckpointFile.write(out, new CheckpointData(0, ConfigLoader.toJson(c.config()),
                        Provenance.current(c.config().seed(), "imported from pytorch-pretrained-BigGAN "
                                + weights + " (sha256 " + sha + ")"), state, Map.of(), groups, Map.of()));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write " + out + ": " + e.getMessage(), e);
            }
            return c.hf();
        });
    }
}
