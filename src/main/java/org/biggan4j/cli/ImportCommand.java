package org.biggan4j.cli;

import org.biggan4j.checkpoint.SafeTensorsExport;
import org.biggan4j.checkpoint.imports.BigGanPyTorchImporter;
import org.biggan4j.checkpoint.imports.HfBigGanDeepImporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j import}: converts published generator weights into a biggan4j checkpoint that
 * {@code sample}, {@code eval} and {@code standing-stats} read like any other.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Convert published generator weights into a biggan4j checkpoint. The file is read as "
                + "tensors only (nothing in it is executed); an unknown, missing or mis-shaped key stops the import "
                + "with one line naming the key and the shapes.",
                "Formats: biggan-pytorch (G.pth / G_ema.pth of ajbrock/BigGAN-PyTorch, with or without its "
                        + "spectral-norm u0/sv0 buffers); hf-biggan-deep (a huggingface pytorch-pretrained-BigGAN "
                        + "folder with pytorch_model.bin and config.json: BigGAN-deep 128/256/512; sample it with "
                        + "--truncation T in (0, 1], which also chooses its BatchNorm statistics); safetensors (a file "
                        + "written by biggan4j export).",
                "Example: biggan4j import --format biggan-pytorch --in G_ema.pth --config generator_args.json "
                        + "--out biggan128.b4j",
                "         biggan4j import --format hf-biggan-deep --in biggan-deep-256/ --out deep256.b4j"})
public final class ImportCommand implements Callable<Integer> {

    /** The weight layouts this command reads. */
    enum Format {
        BIGGAN_PYTORCH,
        HF_BIGGAN_DEEP,
        SAFETENSORS
    }

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "Layout of the weights: biggan-pytorch, hf-biggan-deep, or safetensors (a biggan4j "
                    + "export).")
    String format;

    @Option(names = "--in", required = true, paramLabel = "FILE|DIR", description = "The weight file (a torch.save "
            + "state dict); for hf-biggan-deep the model folder (pytorch_model.bin and config.json).")
    Path in;

    @Option(names = "--config", paramLabel = "JSON",
            description = "The generator's constructor arguments (BigGAN-PyTorch: generator_args.json). Without it "
                    + "the architecture is inferred from the shapes and the epsilons of the project's ImageNet launch "
                    + "scripts are used (BN 1e-5, SN 1e-6); give it for other settings, such as TF Hub conversions (1e-4).")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "CKPT", description = "The checkpoint to write (.b4j), atomically.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Format f = parse(format);
        if (f == Format.HF_BIGGAN_DEEP ? !Files.exists(in) : !Files.isRegularFile(in)) {
            throw new IllegalArgumentException((f == Format.HF_BIGGAN_DEEP ? "Model folder " : "Weight file ") + in
                    + " does not exist.");
        }
        if (config != null && f == Format.HF_BIGGAN_DEEP) {
            throw new IllegalArgumentException("--config does not apply to hf-biggan-deep: its config.json is read from "
                    + "the model folder given with --in.");
        }
        if (config != null && !Files.isRegularFile(config)) {
            throw new IllegalArgumentException("Configuration " + config + " does not exist.");
        }
        runtime.apply();
        Object description = switch (f) {
            case BIGGAN_PYTORCH -> BigGanPyTorchImporter.importTo(in, config, out);
            case HF_BIGGAN_DEEP -> HfBigGanDeepImporter.importTo(in, out);
            case SAFETENSORS -> {
                SafeTensorsExport.importTo(in, out);
                yield "biggan4j export";
            }
        };
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "Imported %s (%s) into %s%n", in, description, out.toAbsolutePath());
        w.flush();
        return 0;
    }

    private static Format parse(String name) {
        try {
            return Format.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown --format '" + name + "': use biggan-pytorch, "
                    + "hf-biggan-deep or safetensors.", e);
        }
    }
}
