package org.biggan4j.eval;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.Fuzz;
import org.biggan4j.io.InputLimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Mutated feature statistics ({@code .npz} with mu, sigma, n; issue 19): loaded or refused in one line naming the file. */
class FeatureStatisticsFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static byte[] valid;

    @BeforeContainer
    static void validFile() throws IOException {
        root = Files.createTempDirectory("stats-fuzz");
        Path p = root.resolve("valid.npz");
        new FeatureStatistics(7, new double[] {1, 2}, new double[] {2, 0.5, 0.5, 1}).save(p);
        valid = Files.readAllBytes(p);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Property(tries = 250, seed = "19701")
    void mutatedStatisticsAreLoadedOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m) throws IOException {
        Path file = root.resolve("m.npz");
        Files.write(file, Fuzz.apply(valid, m, valid.length));
        Fuzz.readOrRefused(file, m, () -> FeatureStatistics.load(file));
    }

    @Property(tries = 2, seed = "19702")
    void theUnmutatedFileLoadsAndTheWidthIsLimited(@ForAll boolean unused) throws IOException {
        Path file = root.resolve("ok.npz");
        Files.write(file, valid);
        FeatureStatistics s = FeatureStatistics.load(file);
        assertEquals(2, s.dims());
        assertEquals(7, s.count());
        String before = System.getProperty(InputLimits.PREFIX + "feature_dim");
        System.setProperty(InputLimits.PREFIX + "feature_dim", "1");
        try {
            Fuzz.readOrRefused(file, "feature_dim=1", () -> {
                FeatureStatistics.load(file);
                throw new AssertionError("a width of 2 passed a limit of 1");
            });
        } finally {
            if (before == null) {
                System.clearProperty(InputLimits.PREFIX + "feature_dim");
            } else {
                System.setProperty(InputLimits.PREFIX + "feature_dim", before);
            }
        }
    }
}
