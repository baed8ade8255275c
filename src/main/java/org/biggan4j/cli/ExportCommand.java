package org.biggan4j.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.checkpoint.SafeTensorsExport;
import org.biggan4j.sample.TrainedGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code biggan4j export}: a checkpoint's models as one safetensors file with its architecture in the header. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the generators (G, G_ema, stored standing statistics) of a checkpoint, and optionally D, "
                + "to one safetensors file named <group>/<parameter>, with the configuration, architecture, class "
                + "names and provenance as JSON in its __metadata__. 'biggan4j import --format safetensors' reads it "
                + "back; Python reads it with safetensors.torch.load_file.",
                "Example: biggan4j export runs/demo --out demo.safetensors"})
public final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder (its newest checkpoint) or a .b4j checkpoint.")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The .safetensors file to write (atomically).")
    Path out;

    @Option(names = "--with-discriminator", description = "Include D's weights (for fine-tuning with a trained D).")
    boolean discriminator;

    @Override
    public Integer call() throws Exception {
        Path file = TrainedGenerator.resolve(checkpoint);
        String architecture = JsonMapper.builder().build().writeValueAsString(TrainedGenerator.storedSpec(file, false));
        SafeTensorsExport.Summary summary = SafeTensorsExport.export(file, out, discriminator, architecture);
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "Exported %d tensors of %s (%.1f MB) from %s to %s%n", summary.tensors(), summary.groups(),
                summary.bytes() / 1e6, file, out.toAbsolutePath());
        w.flush();
        return 0;
    }
}
