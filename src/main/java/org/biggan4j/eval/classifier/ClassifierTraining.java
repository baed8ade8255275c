package org.biggan4j.eval.classifier;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.biggan4j.data.Batch;
import org.biggan4j.data.DataLoader;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.data.LoaderOptions;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains and tests a {@link SmallConvClassifier}: Adam, cross-entropy, random horizontal flips,
 * the learning rate cut 10x for the last third of the epochs.
 */
public final class ClassifierTraining {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifierTraining.class);

    private ClassifierTraining() {
    }

    /** Trains {@code model} in place on {@code train}; images are padded or resized to 32 px. */
    public static void train(SmallConvClassifier model, LabelledImages train, int epochs, int batchSize, double lr,
                             long seed, ComputeDevice device) {
        LoaderOptions options = LoaderOptions.of(batchSize, seed).withFlip(true)
                .withModelResolution(32, fitFor(train));
        AdamOptions ao = new AdamOptions(lr);
        Adam adam = new Adam(model.parameters(), ao);
        model.train(true);
        try (DataLoader loader = new DataLoader(train, options, device);
             ProgressBar bar = new ProgressBarBuilder().setTaskName("classifier")
                     .setInitialMax((long) epochs * loader.batchesPerEpoch()).setStyle(ProgressBarStyle.ASCII)
                     .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(1000).build()) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                if (epoch == (2 * epochs) / 3) {
                    // The classifier's optimiser state is never saved, so libtorch's Adam serves here.
                    var groups = adam.param_groups();
                    for (long g = 0; g < groups.size(); g++) {
                        groups.get(g).options().set_lr(lr / 10);
                    }
                }
                double[] sum = {0};
                for (int b = 0; b < loader.batchesPerEpoch(); b++) {
                    NativeMemory.scoped(() -> {
                        Batch batch = loader.next();
                        Tensor loss = torch.cross_entropy(model.logits(batch.images()), batch.labels());
                        adam.zero_grad();
                        loss.backward();
                        adam.step();
                        sum[0] += loss.item_double();
                    });
                    bar.step();
                }
                LOG.info("epoch {}: mean loss {}", epoch + 1, String.format("%.4f", sum[0] / loader.batchesPerEpoch()));
            }
        }
        model.eval();
    }

    /** Accuracy of {@code model} on {@code test} (eval mode, no gradients). */
    public static double accuracy(SmallConvClassifier model, LabelledImages test, ComputeDevice device) {
        model.eval();
        LoaderOptions options = LoaderOptions.of(250, 0).withShuffle(false).withModelResolution(32, fitFor(test));
        long correct = 0;
        long seen = 0;
        try (DataLoader loader = new DataLoader(test, options, device)) {
            int batches = test.count() / 250;
            for (int b = 0; b < batches; b++) {
                long[] c = NativeMemory.scoped(() -> {
                    try (NoGradGuard ng = new NoGradGuard()) {
                        Batch batch = loader.next();
                        Tensor predicted = model.logits(batch.images()).argmax(new LongOptional(1), false);
                        return new long[] {Tensors.toLongs(predicted.eq(batch.labels()).sum())[0], batch.size()};
                    }
                });
                correct += c[0];
                seen += c[1];
            }
        }
        return (double) correct / seen;
    }

    private static LoaderOptions.Fit fitFor(LabelledImages data) {
        return data.resolution() < 32 ? LoaderOptions.Fit.PAD : LoaderOptions.Fit.RESIZE;
    }
}
