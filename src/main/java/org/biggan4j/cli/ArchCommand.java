package org.biggan4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.zoo.ModelSize;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j arch}: parameter counts and the per-layer table of an architecture, built on
 * the meta device (shapes only), so a 512 px model is inspected without allocating its weights.
 */
@Command(name = "arch", mixinStandardHelpOptions = true,
        description = "Print parameter counts and the layer table of an architecture without allocating weights.")
public final class ArchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME",
            description = "biggan, biggan-deep, sngan-resnet, sagan-resnet or dcgan.")
    String model;

    @Option(names = "--resolution", required = true, paramLabel = "R", description = "Output resolution in pixels.")
    int resolution;

    @Option(names = "--ch", paramLabel = "C", description = "Channel multiplier (default: the preset's).")
    Integer ch;

    @Option(names = "--classes", defaultValue = "1000", paramLabel = "K",
            description = "Number of classes; 0 = unconditional (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TrainConfig.Architecture architecture;
        try {
            architecture = TrainConfig.Architecture.valueOf(model.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown model '" + model + "': use biggan, biggan-deep, sngan-resnet, "
                    + "sagan-resnet or dcgan.");
        }
        if (classes < 0) {
            throw new IllegalArgumentException("--classes must be >= 0, got " + classes + ".");
        }
        String preset = switch (architecture) {
            case BIGGAN -> resolution == 32 ? "biggan-cifar" : resolution >= 512 ? "biggan-512"
                    : resolution == 256 ? "biggan-256" : "biggan-128";
            case BIGGAN_DEEP -> resolution >= 512 ? "biggan-deep-512" : resolution == 256 ? "biggan-deep-256"
                    : "biggan-deep-128";
            case SNGAN_RESNET, SAGAN_RESNET -> "sngan-cifar";
            case DCGAN -> "dcgan";
        };
        List<String> overrides = new ArrayList<>(List.of("model.architecture=" + architecture.name().toLowerCase(Locale.ROOT),
                "model.resolution=" + resolution, "model.classes=" + classes, "model.conditional=" + (classes > 0)));
        if (ch != null) {
            overrides.add("model.ch=" + ch);
        }
        if (architecture == TrainConfig.Architecture.BIGGAN && resolution != 32) {
            int blocks = Integer.numberOfTrailingZeros(resolution) - 2;
            overrides.add("model.latent_dim=" + 20 * (blocks + 1));
            overrides.add("model.attention=[" + Math.min(64, resolution / 2) + "]");
        }
        if (architecture == TrainConfig.Architecture.BIGGAN_DEEP || classes == 0) {
            overrides.add("model.hierarchical_z=false");
        }
        TrainConfig config = ConfigLoader.load(preset, overrides);
        ModelSpec s = Models.spec(config.model(), false, classes, 3);
        // Built on the meta device (nothing allocated), but channel counts past int range would
        // overflow inside libtorch: sized first, one line naming the options.
        ModelSize.requireWithinLimit("the model options (--ch, --resolution, --classes)", s);
        Generator g = Models.generator(s, ComputeDevice.META);
        Discriminator d = Models.discriminator(s, ComputeDevice.META);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", architecture.name().toLowerCase(Locale.ROOT));
        doc.put("resolution", resolution);
        doc.put("ch", s.ch());
        doc.put("classes", classes);
        doc.put("latent_dim", s.latentDim());
        doc.put("generator_params", Models.parameterCount(g));
        doc.put("discriminator_params", Models.parameterCount(d));
        doc.put("generator_layers", table(g));
        doc.put("discriminator_layers", table(d));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            out.printf(Locale.ROOT, "%s %d px, ch %d, %d classes, z %d%n", doc.get("model"), resolution, s.ch(), classes,
                    s.latentDim());
            out.printf(Locale.ROOT, "generator: %,d parameters; discriminator: %,d parameters%n",
                    (Long) doc.get("generator_params"), (Long) doc.get("discriminator_params"));
            for (String net : List.of("generator_layers", "discriminator_layers")) {
                out.println(net.replace("_layers", "") + ":");
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get(net);
                for (Map<String, Object> r : rows) {
                    out.printf(Locale.ROOT, "  %-44s %-20s %,12d%n", r.get("name"), r.get("shape"), (Long) r.get("params"));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static List<Map<String, Object>> table(Module m) {
        List<Map<String, Object>> rows = new ArrayList<>();
        StringTensorDict p = m.named_parameters(true);
        for (long i = 0; i < p.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", p.get(i).key().getString());
            row.put("shape", Arrays.toString(Tensors.shape(p.get(i).value())));
            row.put("params", p.get(i).value().numel());
            rows.add(row);
        }
        return rows;
    }
}
