package org.biggan4j.cli;

import org.biggan4j.bench.Timing;
import org.biggan4j.config.TrainConfig.Architecture;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.nn.Init;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j bench model}: forward + backward seconds of BigGAN's G and D in the two
 * configurations the README reports: 128 px (ch 96, 1000 classes, batch 8) and the CIFAR
 * configuration (32 px, ch 64, 10 classes, batch 50).
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Forward+backward time of BigGAN G and D at 128 px (ch 96, batch 8) and 32 px (CIFAR, batch 50).")
public final class BenchModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs (median; default ${DEFAULT-VALUE}).")
    int runs;

    @Override
    public Integer call() {
        ComputeDevice device = runtime.apply();
        PrintWriter out = spec.commandLine().getOut();
        ModelSpec big = new ModelSpec(Architecture.BIGGAN, 128, 96, 1000, 120, 128, true, Set.of(64), 3, true, true,
                Init.ORTHOGONAL, 1e-4, 1e-4, false, true, false);
        ModelSpec cifar = new ModelSpec(Architecture.BIGGAN, 32, 64, 10, 128, 0, false, Set.of(), 3, true, true,
                Init.NORMAL_002, 1e-4, 1e-4, false, true, false);
        for (Object[] c : new Object[][] {{"BigGAN 128 px ch 96", big, 8}, {"BigGAN CIFAR 32 px ch 64", cifar, 50}}) {
            ModelSpec s = (ModelSpec) c[1];
            int batch = (Integer) c[2];
            Generator g = Models.generator(s, device);
            Discriminator d = Models.discriminator(s, device);
            long[] ids = new long[batch];
            for (int i = 0; i < batch; i++) {
                ids[i] = i % s.classes();
            }
            double gSeconds = Timing.medianSeconds(device, 1, runs, () -> {
                Tensor y = Tensors.fromLongs(ids, device, batch);
                g.forward(Tensors.randn(device, batch, s.latentDim()), y).sum().backward();
            });
            double dSeconds = Timing.medianSeconds(device, 1, runs, () -> {
                Tensor y = Tensors.fromLongs(ids, device, batch);
                d.forward(Tensors.randn(device, batch, s.imageChannels(), s.resolution(), s.resolution()), y)
                        .sum().backward();
            });
            out.printf(Locale.ROOT, "%-26s batch %3d: G fwd+bwd %.2f s, D fwd+bwd %.2f s%n", c[0], batch, gSeconds,
                    dSeconds);
            out.flush();
        }
        return 0;
    }
}
