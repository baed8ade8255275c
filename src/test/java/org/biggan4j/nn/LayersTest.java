package org.biggan4j.nn;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayersTest {

    private static final LayerFactory SN = new LayerFactory(true, 1e-4, 1, Init.DEFAULT, false);

    private static double topSingularValue(Tensor w) {
        return Tensors.toDoubles(torch.linalg_svdvals(w.reshape(w.size(0), -1).to(torch.ScalarType.Double)))[0];
    }

    @Test
    void spectralNormSigmaMatchesSvdvalsAndNormalisesToOne() {
        Seeds.seedTorch(4);
        for (SpectralNormWeight layer : new SpectralNormWeight[] {SN.conv(8, 16, 3, true), SN.linear(24, 10, true),
                SN.embedding(12, 6), SN.convTranspose(6, 4, 4, 2, 1, false)}) {
            double sigma = layer.powerIterate(50);
            double exact = topSingularValue(layer.rawWeight());
            assertEquals(exact, sigma, 1e-3 * exact, layer.getClass().getSimpleName());
            layer.eval();
            double normalised = topSingularValue(layer.effectiveWeight().detach());
            assertEquals(1.0, normalised, 1e-3, layer.getClass().getSimpleName());
            assertEquals(sigma, layer.sigma(), 1e-9);
        }
    }

    @Test
    void trainingForwardsRunOnePowerIterationAndEvalForwardsNone() {
        Seeds.seedTorch(5);
        Linear layer = SN.linear(6, 5, false);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 2, 6);
        layer.eval();
        Tensor u0 = layer.named_buffers().get("weight_u").clone();
        layer.forward(x);
        assertTrue(torch.equal(u0, layer.named_buffers().get("weight_u")), "eval forward leaves u alone");
        layer.train(true);
        layer.forward(x);
        assertTrue(!torch.equal(u0, layer.named_buffers().get("weight_u")), "training forward updates u");
        // gradients flow through sigma into the raw weight, also with two forwards before one backward
        layer.forward(x).sum().add(layer.forward(x).sum()).backward();
        assertTrue(layer.rawWeight().grad().defined());
    }

    @Test
    void conditionalBatchNormEqualsPlainBatchNormWhenProjectionsAreZero() {
        Seeds.seedTorch(6);
        LayerFactory plain = SN.withSpectralNorm(false);
        ConditionalBatchNorm2d cbn = ConditionalBatchNorm2d.linear(4, 1e-4, 7, plain);
        BatchNorm2d bn = new BatchNorm2d(4, 1e-4, true, plain);
        try (NoGradGuard g = new NoGradGuard()) {
            var params = cbn.named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                params.get(i).value().zero_();
            }
        }
        Tensor x = Tensors.randn(ComputeDevice.CPU, 5, 4, 3, 3).mul(new Scalar(3)).add(new Scalar(1));
        Tensor c = Tensors.randn(ComputeDevice.CPU, 5, 7);
        Tensor a = cbn.forward(x, c);
        Tensor b = bn.forward(x);
        assertTrue(torch.allclose(a, b, 1e-6, 1e-6, false));
        // and the batch moments are normalised away: mean 0, variance 1 per channel
        assertEquals(0.0, Tensors.toDoubles(a.mean(new long[] {0, 2, 3}, false, null).abs().max())[0], 1e-5);
        assertTrue(torch.allclose(cbn.batchNorm().runningMean(), bn.runningMean(), 1e-6, 1e-6, false));
    }

    @Test
    void theMomentsHookSeesTheSumsAndAnIdentityHookMatchesTheFusedKernel() {
        Seeds.seedTorch(10);
        LayerFactory plain = SN.withSpectralNorm(false);
        BatchNorm2d fused = new BatchNorm2d(3, 1e-4, true, plain);
        BatchNorm2d hooked = new BatchNorm2d(3, 1e-4, true, plain);
        long[] seen = {0};
        hooked.setMomentsHook((sum, squares, count) -> {
            seen[0] = count;
            return new BatchNorm2d.Moments(sum, squares, count);
        });
        Tensor x = Tensors.randn(ComputeDevice.CPU, 4, 3, 5, 5).mul(new Scalar(2)).add(new Scalar(0.5));
        assertTrue(torch.allclose(fused.forward(x), hooked.forward(x), 1e-5, 1e-5, false));
        assertEquals(100, seen[0]);
        assertTrue(torch.allclose(fused.runningMean(), hooked.runningMean(), 1e-6, 1e-6, false));
        assertTrue(torch.allclose(fused.runningVar(), hooked.runningVar(), 1e-5, 1e-5, false));
        // A hook that doubles the batch with a copy of itself leaves the moments unchanged:
        // this is what an all-reduce over two identical replicas does.
        hooked.setMomentsHook((sum, squares, count) -> new BatchNorm2d.Moments(sum.mul(new Scalar(2)),
                squares.mul(new Scalar(2)), 2 * count));
        assertTrue(torch.allclose(fused.forward(x), hooked.forward(x), 1e-5, 1e-5, false));
    }

    @Test
    void standingStatisticsAreTheAverageOverBatches() {
        BatchNorm2d bn = new BatchNorm2d(2, 1e-4, true, SN.withSpectralNorm(false));
        bn.train(true);
        bn.startStandingStatistics();
        double[] means = new double[3];
        for (int k = 0; k < 3; k++) {
            Tensor x = Tensors.randn(ComputeDevice.CPU, 16, 2, 4, 4).add(new Scalar(k * 2.0));
            means[k] = Tensors.toDoubles(x.select(1, 0).mean())[0];
            bn.forward(x);
        }
        double expected = (means[0] + means[1] + means[2]) / 3;
        assertEquals(expected, Tensors.toDoubles(bn.runningMean())[0], 1e-5);
    }

    @Test
    void attentionWithZeroGammaIsTheIdentity() {
        Seeds.seedTorch(7);
        SelfAttention attention = new SelfAttention(16, SN);
        Tensor x = Tensors.randn(ComputeDevice.CPU, 2, 16, 8, 8);
        assertTrue(torch.equal(x, attention.forward(x)));
        try (NoGradGuard g = new NoGradGuard()) {
            attention.gamma().fill_(new Scalar(0.5));
        }
        assertTrue(!torch.allclose(x, attention.forward(x), 1e-3, 1e-3, false), "with gamma != 0 attention changes x");
    }

    @Test
    void attentionOneImageAtATimeEqualsTheBatchedProductsAndGradients() {
        Seeds.seedTorch(9);
        Tensor[] batched = {Tensors.randn(ComputeDevice.CPU, 3, 4, 64), Tensors.randn(ComputeDevice.CPU, 3, 4, 16),
            Tensors.randn(ComputeDevice.CPU, 3, 8, 16)};                  // query [B, C/8, N], key, value
        Tensor[] perImage = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            perImage[i] = batched[i].clone().requires_grad_(true);
            batched[i].requires_grad_(true);
        }
        Tensor weights = Tensors.randn(ComputeDevice.CPU, 3, 8, 64);
        Tensor a = SelfAttention.attend(batched[0], batched[1], batched[2]);
        Tensor b = SelfAttention.attendPerImage(perImage[0], perImage[1], perImage[2]);
        a.mul(weights).sum().backward();
        b.mul(weights).sum().backward();
        assertTrue(torch.allclose(a, b, 1e-5, 1e-6, false), "outputs");
        for (int i = 0; i < 3; i++) {
            assertTrue(torch.allclose(batched[i].grad(), perImage[i].grad(), 1e-5, 1e-6, false), "gradient " + i);
        }
    }

    @Test
    void orthogonalInitGivesOrthonormalRowsOrColumns() {
        Seeds.seedTorch(8);
        for (long[] shape : new long[][] {{8, 20}, {20, 8}, {6, 3, 3, 3}}) {
            Tensor w = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), null);
            Init.ORTHOGONAL.apply(w);
            Tensor m = w.reshape(shape[0], -1).to(torch.ScalarType.Double);
            Tensor gram = m.size(0) <= m.size(1) ? m.mm(m.t()) : m.t().mm(m);
            Tensor eye = torch.eye(gram.size(0), gram.options());
            assertTrue(torch.allclose(gram, eye, 0, 1e-5, false), Arrays.toString(shape));
        }
    }
}
