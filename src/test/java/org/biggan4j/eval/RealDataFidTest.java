package org.biggan4j.eval;

import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.eval.classifier.ClassifierFeatures;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FID with the bundled Fashion-MNIST classifier separates real from fake: two sets of real images
 * are far closer to each other than real images are to noise. With the full Fashion-MNIST
 * installed the two sets are the train and test splits; with only the bundled t10k split, two
 * disjoint halves of it.
 */
class RealDataFidTest {

    private static final int IMAGES = 2000;
    private static final int BATCH = 500;

    /** Feeds {@code IMAGES} images, from batch {@code skip} on, of a seeded shuffle of {@code data}. */
    private static void feed(FeatureStream stream, LabelledImages data, int skip) {
        LoaderOptions options = LoaderOptions.of(BATCH, 17).withModelResolution(32, LoaderOptions.Fit.PAD);
        try (DataLoader loader = new DataLoader(data, options, ComputeDevice.CPU)) {
            for (int i = 0; i < skip + IMAGES / BATCH; i++) {
                boolean use = i >= skip;
                NativeMemory.scoped(() -> {
                    Batch b = loader.next();
                    if (use) {
                        stream.accept(b.images());
                    }
                });
            }
        }
    }

    @Test
    void realTrainAgainstRealTestIsFarBelowRealAgainstNoise() {
        LabelledImages test = DataSources.open(null, DataOptions.defaults().withChannels(1)
                .withSplit(DataOptions.Split.TEST));
        boolean full = !DataSources.defaultName().startsWith("classpath:");
        LabelledImages train = full ? DataSources.open(null, DataOptions.defaults().withChannels(1)
                .withSplit(DataOptions.Split.TRAIN)) : test;
        ComputeDevice cpu = ComputeDevice.CPU;
        try (ClassifierFeatures features = new ClassifierFeatures(ClassifierFile.fashionMnist(cpu));
             FeatureStream a = new FeatureStream(features, cpu, FeatureStream.Options.STATISTICS_ONLY);
             FeatureStream b = new FeatureStream(features, cpu, FeatureStream.Options.STATISTICS_ONLY);
             FeatureStream noise = new FeatureStream(features, cpu, FeatureStream.Options.STATISTICS_ONLY)) {
            feed(a, train, 0);
            // Without the train split: the batches after set a's in the same shuffle, so no image is in both.
            feed(b, test, full ? 0 : IMAGES / BATCH);
            Seeds.seedTorch(3);
            for (int i = 0; i < IMAGES / BATCH; i++) {
                NativeMemory.scoped(() -> noise.accept(torch.rand(new long[] {BATCH, 1, 32, 32})
                        .mul(new Scalar(2.0)).sub(new Scalar(1.0))));
            }
            double realReal = Fid.distance(a.statistics(), b.statistics(), cpu);
            double realNoise = Fid.distance(a.statistics(), noise.statistics(), cpu);
            String what = (full ? "train vs test" : "t10k half vs half") + ": " + realReal + ", real vs noise: " + realNoise;
            assertTrue(realReal >= 0 && realReal * 50 < realNoise, what);
        }
    }
}
