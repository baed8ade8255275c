package org.biggan4j.eval.classifier;

import org.biggan4j.eval.FeatureExtractor;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** A trained {@link SmallConvClassifier} as a {@link FeatureExtractor}: 256-d features and class logits. */
public final class ClassifierFeatures implements FeatureExtractor {

    private final ClassifierFile.Loaded classifier;

    public ClassifierFeatures(ClassifierFile.Loaded classifier) {
        this.classifier = classifier;
        classifier.model().eval();
    }

    @Override
    public int featureDim() {
        return SmallConvClassifier.FEATURES;
    }

    @Override
    public int numClasses() {
        return classifier.model().classes();
    }

    @Override
    public int imageChannels() {
        return classifier.model().channels();
    }

    @Override
    public Output extract(Tensor images) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor features = classifier.model().features(images);
            return new Output(features, classifier.model().logitsFromFeatures(features));
        }
    }

    @Override
    public String describe() {
        return "biggan4j SmallConvClassifier (" + classifier.metadata().getOrDefault("train_data", "?")
                + ", test accuracy " + classifier.metadata().getOrDefault("test_accuracy", "?") + ")";
    }
}
