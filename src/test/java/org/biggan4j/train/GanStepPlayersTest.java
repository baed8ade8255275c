package org.biggan4j.train;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.optim.Optimizers;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link GanStep} built from one {@link GanStep.Player} per side: each player's schedule drives
 * its own optimiser over its own network. With one side's learning rate 0 exactly that side's
 * weights stay put and the other's move; wired the wrong way round, the test fails.
 */
class GanStepPlayersTest {

    @Test
    void eachPlayersScheduleMovesOnlyItsOwnNetwork() {
        NativeMemory.scoped(() -> {
            Moved onlyD = oneIteration(it -> 0.0, it -> 0.05);
            assertEquals(0.0, onlyD.generator, "G with learning rate 0");
            assertEquals(true, onlyD.discriminator > 0, "D with learning rate 0.05 moved " + onlyD.discriminator);
            assertEquals(Map.of("lr_g", 0.0, "lr_d", 0.05), onlyD.rates);
            Moved onlyG = oneIteration(it -> 0.05, it -> 0.0);
            assertEquals(0.0, onlyG.discriminator, "D with learning rate 0");
            assertEquals(true, onlyG.generator > 0, "G with learning rate 0.05 moved " + onlyG.generator);
            assertEquals(Map.of("lr_g", 0.05, "lr_d", 0.0), onlyG.rates);
        });
    }

    @Test
    void aPlayerNeedsAllThreeParts() {
        TinyGan.TinyGenerator g = new TinyGan.TinyGenerator();
        var opt = Optimizers.create(adam(), g.parameters());
        assertThrows(NullPointerException.class, () -> new GanStep.Player<>(g, opt, null));
        assertThrows(NullPointerException.class, () -> new GanStep.Player<>(g, null, it -> 1.0));
        assertThrows(NullPointerException.class, () -> new GanStep.Player<TinyGan.TinyGenerator>(null, opt, it -> 1));
    }

    /** How far each network's weights moved in one iteration (max absolute change), and the logged rates. */
    private record Moved(double generator, double discriminator, Map<String, Double> rates) {
    }

    private static Moved oneIteration(LongToDoubleFunction lrG, LongToDoubleFunction lrD) {
        Seeds.seedTorch(3);
        TinyGan.TinyGenerator g = new TinyGan.TinyGenerator();
        TinyGan.TinyDiscriminator d = new TinyGan.TinyDiscriminator();
        Map<String, Tensor> g0 = copy(g);
        Map<String, Tensor> d0 = copy(d);
        LatentSource latents = new LatentSource() {
            @Override public Tensor latents(int batch) { return Tensors.randn(ComputeDevice.CPU, batch, 4); }
            @Override public Tensor classes(int batch) { return null; }
        };
        GanStep step = new GanStep(new GanStep.Player<>(g, Optimizers.create(adam(), g.parameters()), lrG),
                new GanStep.Player<>(d, Optimizers.create(adam(), d.parameters()), lrD), new TinyGan.Hinge(),
                List.of(), new TinyGan.Source(8, 5), latents, it -> { }, new StepSettings(8, 1, 1, 5, false),
                ComputeDevice.CPU);
        StepMetrics m = step.run(1);
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("lr_g", m.values().get("lr_g"));
        rates.put("lr_d", m.values().get("lr_d"));
        return new Moved(change(g0, g), change(d0, d), rates);
    }

    private static TrainConfig.OptimizerConfig adam() {
        return new TrainConfig.OptimizerConfig(TrainConfig.OptimizerKind.ADAM, 1e-3, 0.0, 0.999, 1e-8, 0, 0.99, 0,
                TrainConfig.Schedule.CONSTANT, 0);
    }

    private static Map<String, Tensor> copy(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StateDict.of(m).forEach((k, v) -> out.put(k, v.detach().clone()));
        return out;
    }

    private static double change(Map<String, Tensor> before, Module after) {
        double max = 0;
        for (var e : StateDict.of(after).entrySet()) {
            max = Math.max(max, torch.abs(e.getValue().sub(before.get(e.getKey()))).max().item_double());
        }
        return max;
    }
}
