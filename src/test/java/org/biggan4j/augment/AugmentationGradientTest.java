package org.biggan4j.augment;

import org.biggan4j.augment.AdaPipeline.Op;
import org.biggan4j.config.TrainConfig.AdaConfig;
import org.biggan4j.config.TrainConfig.AugmentConfig;
import org.biggan4j.config.TrainConfig.DiffAugmentOp;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.biggan4j.augment.Draws.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradients flow through every augmentation: for fixed draws (the generator reseeded before each
 * evaluation) the analytic gradient of sum(w * augment(x)) equals central finite differences, in
 * float64, for each operation alone and for G's weights through the whole chain.
 */
class AugmentationGradientTest {

    private static final long DRAWS = 77;

    /** sum(w * op(x)) with the draws of seed {@link #DRAWS}. */
    private static Tensor objective(UnaryOperator<Tensor> op, Tensor x, Tensor w) {
        Seeds.seedTorch(DRAWS);
        return op.apply(x).mul(w).sum();
    }

    private static void assertGradientMatchesFiniteDifferences(String name, UnaryOperator<Tensor> op) {
        Seeds.seedTorch(1);
        Tensor x = DiffAugmentTest.images(2, 3, 8, 8).requires_grad_(true);
        Tensor w = torch.randn(new long[] {2, 3, 8, 8}, ComputeDevice.CPU.options(torch.ScalarType.Double));
        objective(op, x, w).backward();
        Tensor grad = x.grad().reshape(-1).clone();
        assertTrue(grad.abs().sum().item_double() > 0, name + ": some gradient reaches the input");
        Tensor flat = x.detach().reshape(-1);
        double eps = 1e-6;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (long i : new long[] {0, 37, 100, 211, 300, 383}) {
                Tensor plus = flat.clone();
                plus.select(0, i).add_(s(eps));
                Tensor minus = flat.clone();
                minus.select(0, i).sub_(s(eps));
                double fd = (objective(op, plus.view(2, 3, 8, 8), w).item_double()
                        - objective(op, minus.view(2, 3, 8, 8), w).item_double()) / (2 * eps);
                assertEquals(fd, grad.select(0, i).item_double(), 1e-6, name + ": d/dx[" + i + "]");
            }
        }
    }

    @Test
    void everyDiffAugmentOperationPassesGradients() {
        assertGradientMatchesFiniteDifferences("brightness", DiffAugment::brightness);
        assertGradientMatchesFiniteDifferences("saturation", DiffAugment::saturation);
        assertGradientMatchesFiniteDifferences("contrast", DiffAugment::contrast);
        assertGradientMatchesFiniteDifferences("translation", DiffAugment::translation);
        assertGradientMatchesFiniteDifferences("cutout", DiffAugment::cutout);
    }

    @Test
    void everyAdaOperationPassesGradients() {
        for (Op op : Op.values()) {
            AdaPipeline pipeline = new AdaPipeline(EnumSet.of(op));
            assertGradientMatchesFiniteDifferences(op.name(), x -> pipeline.apply(x, 1));
        }
    }

    @Test
    void generatorWeightsGetTheirGradientThroughTheWholeAugmentation() {
        Augmentation all = Augmentation.of(new AugmentConfig("color,translation,cutout",
                new AdaConfig(true, 1.0, 0, 500_000, 4)), 8);
        assertEquals(List.of(DiffAugmentOp.COLOR, DiffAugmentOp.TRANSLATION, DiffAugmentOp.CUTOUT),
                new AugmentConfig("color,translation,cutout", AdaConfig.OFF).diffAugmentOps());
        Seeds.seedTorch(2);
        LinearImpl generator = new LinearImpl(4, 3 * 8 * 8);
        generator.to(torch.ScalarType.Double, false);
        Tensor z = torch.randn(new long[] {2, 4}, ComputeDevice.CPU.options(torch.ScalarType.Double));
        Tensor w = torch.randn(new long[] {2, 3, 8, 8}, ComputeDevice.CPU.options(torch.ScalarType.Double));
        UnaryOperator<Tensor> images = weightless -> torch.tanh(generator.forward(z)).view(2, 3, 8, 8);
        objective(x -> all.apply(images.apply(x)), null, w).backward();
        Tensor weight = generator.weight();
        Tensor grad = weight.grad().reshape(-1).clone();
        assertTrue(grad.abs().sum().item_double() > 0, "G's weight has a gradient");
        double eps = 1e-6;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (long i : new long[] {0, 5, 400, 767}) {
                Tensor entry = weight.reshape(-1).select(0, i);
                entry.add_(s(eps));
                double plus = objective(x -> all.apply(images.apply(x)), null, w).item_double();
                entry.sub_(s(2 * eps));
                double minus = objective(x -> all.apply(images.apply(x)), null, w).item_double();
                entry.add_(s(eps));
                assertEquals((plus - minus) / (2 * eps), grad.select(0, i).item_double(), 1e-6, "dL/dW[" + i + "]");
            }
        }
    }
}
