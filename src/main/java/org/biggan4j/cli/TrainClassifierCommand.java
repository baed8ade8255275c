package org.biggan4j.cli;

import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.eval.classifier.ClassifierFile;
import org.biggan4j.eval.classifier.ClassifierTraining;
import org.biggan4j.eval.classifier.SmallConvClassifier;
import org.biggan4j.tensor.ComputeDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code biggan4j train-classifier}: trains the small classifier used as the feature network
 * for FID, precision/recall and class accuracy on datasets without an Inception network.
 */
@Command(name = "train-classifier", mixinStandardHelpOptions = true,
        description = "Train the feature network (a small CNN on 32x32 images) on labelled data and report its "
                + "test accuracy. The Fashion-MNIST one shipped in the jar was made with the defaults.")
public final class TrainClassifierCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Option(names = "--data", paramLabel = "PATH",
            description = "Training data (default: Fashion-MNIST's train split from /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--test", paramLabel = "PATH",
            description = "Test data (default: the same source's test split; for Fashion-MNIST the bundled t10k).")
    Path test;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .safetensors file.")
    Path out;

    @Option(names = "--epochs", defaultValue = "8", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Override
    public Integer call() throws Exception {
        if (epochs < 1 || batchSize < 1 || lr <= 0) {
            throw new IllegalArgumentException("--epochs and --batch-size must be >= 1 and --lr > 0.");
        }
        ComputeDevice device = runtime.apply();
        Path trainPath = data != null ? data : DataSources.SYSTEM_FASHION_MNIST;
        LabelledImages train = DataSources.open(trainPath, DataOptions.defaults().withSplit(DataOptions.Split.TRAIN));
        LabelledImages testSet = test != null ? DataSources.open(test, DataOptions.defaults())
                : DataSources.open(trainPath, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        SmallConvClassifier model = new SmallConvClassifier(train.channels(), train.classCount());
        if (device.isCuda()) {
            model.to(device.torchDevice(), false);
        }
        long start = System.nanoTime();
        ClassifierTraining.train(model, train, epochs, batchSize, lr, runtime.seed(), device);
        double accuracy = ClassifierTraining.accuracy(model, testSet, device);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("class_names", String.join("\n", train.classNames()));
        meta.put("test_accuracy", String.format(Locale.ROOT, "%.4f", accuracy));
        meta.put("train_data", trainPath.toAbsolutePath().toString());
        meta.put("train_images", String.valueOf(train.count()));
        meta.put("epochs", String.valueOf(epochs));
        meta.put("seed", String.valueOf(runtime.seed()));
        ClassifierFile.save(model, meta, out);
        spec.commandLine().getOut().printf(Locale.ROOT, "test accuracy %.2f%% on %d images; %s written (%.0f s)%n",
                100 * accuracy, testSet.count(), out, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
