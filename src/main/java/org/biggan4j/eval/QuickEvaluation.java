package org.biggan4j.eval;

import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.model.Generator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * FID of a generator's samples against real images, and the accuracy of the feature network's
 * classifier on the samples against the classes they were conditioned on: the two numbers the
 * demo ends with. Samples are drawn with classes cycling over all classes, in eval mode.
 */
public final class QuickEvaluation {

    /** The figures and what they were computed with. */
    public record Result(double fid, double classAccuracy, int samples, int realImages, String featureNetwork) {
    }

    private QuickEvaluation() {
    }

    public static Result run(Generator generator, LabelledImages real, FeatureExtractor features, int samples,
                             int batch, long seed, ComputeDevice device) {
        LoaderOptions options = LoaderOptions.of(batch, seed).withShuffle(false)
                .withModelResolution(generator.resolution(), real.resolution() < generator.resolution()
                        ? LoaderOptions.Fit.PAD : LoaderOptions.Fit.RESIZE);
        int realCount = (real.count() / batch) * batch;
        try (FeatureStream realStream = new FeatureStream(features, device, FeatureStream.Options.STATISTICS_ONLY);
             FeatureStream fakeStream = new FeatureStream(features, device, FeatureStream.Options.STATISTICS_ONLY);
             DataLoader loader = new DataLoader(real, options, device)) {
            for (int i = 0; i < realCount / batch; i++) {
                NativeMemory.scoped(() -> {
                    Batch b = loader.next();
                    realStream.accept(b.images(), b.labels());
                });
            }
            boolean wasTraining = generator.is_training();
            generator.eval();
            Seeds.seedTorch(Seeds.derive(seed, "quick-evaluation"));
            int classes = generator.numClasses();
            int[] drawn = {0};
            try {
                while (drawn[0] < samples) {
                    int n = Math.min(batch, samples - drawn[0]);
                    int start = drawn[0];
                    NativeMemory.scoped(() -> {
                        try (NoGradGuard g = new NoGradGuard()) {
                            Tensor z = torch.randn(new long[] {n, generator.latentDim()},
                                    device.options(torch.ScalarType.Float));
                            Tensor y = null;
                            if (classes > 0) {
                                long[] ids = new long[n];
                                for (int k = 0; k < n; k++) {
                                    ids[k] = (start + k) % classes;
                                }
                                y = Tensors.fromLongs(ids, device, n);
                            }
                            fakeStream.accept(generator.forward(z, y), y);
                        }
                    });
                    drawn[0] += n;
                }
            } finally {
                generator.train(wasTraining);
            }
            double fid = Fid.distance(realStream.statistics(), fakeStream.statistics(), device);
            double accuracy = classes > 0 ? fakeStream.accuracy().accuracy() : Double.NaN;
            return new Result(fid, accuracy, samples, realCount, features.describe());
        }
    }
}
