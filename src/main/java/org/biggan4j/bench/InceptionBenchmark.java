package org.biggan4j.bench;

import org.biggan4j.eval.inception.FidInception;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Images per second of the FID Inception (pool3 features, the work FID and KID pay per image),
 * in float32 and bf16, on 299 px inputs (no resize) with random weights: the arithmetic does not
 * depend on the values, so this is the speed of the published network.
 */
@SuppressWarnings("try") // NoGradGuard acts by existing
public final class InceptionBenchmark {

    /** One precision's figures. */
    public record Row(String precision, int batch, double secondsPerBatch, double imagesPerSecond,
                      double achievedGflops) {
    }

    private InceptionBenchmark() {
    }

    /** Times {@code runs} batches after {@code warmup} in the given precision. */
    public static Row run(ComputeDevice device, ScalarType dtype, int batch, int warmup, int runs) {
        try (FidInception network = FidInception.withRandomWeights(device, dtype);
             NoGradGuard noGrad = new NoGradGuard()) {
            Tensor images = Tensors.randn(device, batch, 3, 299, 299).tanh();   // in [-1, 1], as extract receives
            double seconds = Timing.medianSeconds(device, warmup, runs, () -> network.extract(images));
            double imagesPerSecond = batch / seconds;
            return new Row(dtype == ScalarType.BFloat16 ? "bf16" : "float32", batch, seconds, imagesPerSecond,
                    FidInception.flopsPerImage() * imagesPerSecond / 1e9);
        }
    }

    /** The threads libtorch runs on, for the report. */
    public static int threads() {
        return Engine.threads();
    }
}
