package org.biggan4j.cli;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.Fuzz;
import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code biggan4j fid} on mutated feature matrices and statistics (issue 19), through the real
 * command line: exit 0 with a distance, or exit 2 with one line naming the file; never exit 1.
 * Few tries: each is a whole command (about 0.25 s); {@code NpyFuzzTest} fuzzes the reader itself.
 */
class FeatureFilesFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static Path valid;
    private static byte[] features;
    private static byte[] stats;

    @BeforeContainer
    static void validFiles() throws IOException {
        root = Files.createTempDirectory("features-fuzz");
        float[] v = new float[6 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 37 % 11) / 11f;
        }
        valid = root.resolve("valid.npy");
        Npy.write(valid, NpyArray.ofFloats(v, 6, 3));
        features = Files.readAllBytes(valid);
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("mu", NpyArray.ofDoubles(new double[] {0.1, 0.2, 0.3}, 3));
        m.put("sigma", NpyArray.ofDoubles(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3));
        m.put("n", NpyArray.scalar(6L));
        Path s = root.resolve("valid.npz");
        Npy.writeNpz(s, m);
        stats = Files.readAllBytes(s);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Property(tries = 20, seed = "19601")
    void mutatedFeatureFilesExitZeroOrTwo(@ForAll("mutations") Fuzz.Mutation m, @ForAll boolean statistics)
            throws IOException {
        Path file = root.resolve(statistics ? "m.npz" : "m.npy");
        Files.write(file, Fuzz.apply(statistics ? stats : features, m, statistics ? stats.length : 128));
        Cli.Run run = Cli.run("fid", statistics ? "--stats-a" : "--features-a", file.toString(),
                "--features-b", valid.toString());
        if (run.code() == 0) {
            assertTrue(run.out().startsWith("FID "), run.out());
            return;
        }
        assertEquals(2, run.code(), "after " + m + ": " + run.err());
        String err = run.err().strip();
        assertFalse(err.contains("\n"), "after " + m + ", one line: " + err);
        assertTrue(err.contains(file.toString()), "after " + m + ", names the file: " + err);
    }
}
