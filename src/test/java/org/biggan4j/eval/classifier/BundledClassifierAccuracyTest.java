package org.biggan4j.eval.classifier;

import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.tensor.ComputeDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled Fashion-MNIST classifier's accuracy, measured rather than read from its metadata
 * (issue 20). It was trained on the 60,000-image training split, which the repository does not
 * embed; the 10,000-image test split it is scored on here is embedded, and was never trained on.
 */
class BundledClassifierAccuracyTest {

    @Test
    void scoresWhatItsMetadataClaimsOnTheEmbeddedTestSplit() {
        ComputeDevice cpu = ComputeDevice.CPU;
        ClassifierFile.Loaded bundled = ClassifierFile.fashionMnist(cpu);
        LabelledImages test = DataSources.openDefault(DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        assertEquals(10_000, test.count(), "the t10k split");
        double measured = ClassifierTraining.accuracy(bundled.model(), test, cpu);
        double claimed = Double.parseDouble(bundled.metadata().get("test_accuracy"));
        // The same weights on the same images: only float summation order could move a prediction.
        assertEquals(claimed, measured, 0.002, "measured " + measured + ", metadata says " + claimed);
        assertTrue(measured > 0.9, "a classifier that defines FID-FMNIST must be good: " + measured);
    }
}
