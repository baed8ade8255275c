package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.eval.FeatureStatistics;
import org.biggan4j.eval.Fid;
import org.biggan4j.eval.Kid;
import org.biggan4j.io.Npy;
import org.biggan4j.io.NpyArray;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FidCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Biggan4j.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path features(String name, int n, int d, double shift, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (shift + r.nextGaussian() * (1 + (i % d) * 0.2));
        }
        Path p = dir.resolve(name);
        Npy.write(p, NpyArray.ofFloats(v, n, d));
        return p;
    }

    @Test
    void fidFromFeatureFilesEqualsTheLibraryAndStatisticsGiveTheSameNumber() throws IOException {
        Path a = features("a.npy", 300, 8, 0.0, 1);
        Path b = features("b.npy", 200, 8, 0.3, 2);
        Path statsA = dir.resolve("a.npz");
        Path statsB = dir.resolve("b.npz");
        Run json = run("fid", "--features-a", a.toString(), "--features-b", b.toString(), "--json",
                "--save-stats-a", statsA.toString(), "--save-stats-b", statsB.toString());
        assertEquals(0, json.code(), json.err());
        JsonNode node = new ObjectMapper().readTree(json.out());
        double expected = NativeMemory.scoped(() -> {
            try {
                return Fid.distance(Npy.read(a, ComputeDevice.CPU), Npy.read(b, ComputeDevice.CPU), ComputeDevice.CPU);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(expected > 0.5, "the sets differ");
        assertEquals(expected, node.get("fid").asDouble(), 1e-12);
        assertEquals(300, node.get("n_a").asLong());
        assertEquals(200, node.get("n_b").asLong());
        assertEquals(8, node.get("dims").asInt());
        // KID on the same files: the library's figure, with the subset protocol (one subset of 200).
        Kid kid = NativeMemory.scoped(() -> {
            try {
                return Kid.of(Npy.read(a, ComputeDevice.CPU), Npy.read(b, ComputeDevice.CPU));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(kid.mean() > 0, "the sets differ: " + kid);
        assertEquals(kid.mean(), node.get("kid").asDouble(), 1e-12);
        assertEquals(0.0, node.get("kid_std").asDouble());
        assertEquals(200, node.get("kid_subset_size").asInt());

        Run fromStats = run("fid", "--stats-a", statsA.toString(), "--stats-b", statsB.toString(), "--json");
        assertEquals(0, fromStats.code(), fromStats.err());
        assertEquals(expected, new ObjectMapper().readTree(fromStats.out()).get("fid").asDouble(), 1e-12);
        assertEquals(300, FeatureStatistics.load(statsA).count());
        assertTrue(new ObjectMapper().readTree(fromStats.out()).path("kid").isMissingNode(),
                "statistics cannot give KID: " + fromStats.out());

        Run mixed = run("fid", "--stats-a", statsA.toString(), "--features-b", b.toString());
        assertEquals(0, mixed.code(), mixed.err());
        assertTrue(mixed.out().startsWith(String.format(Locale.ROOT, "FID %.6f", expected)), mixed.out());
    }

    @Test
    void missingFilesAndMismatchedDimensionsFailWithOneClearLine() throws IOException {
        Path a = features("a.npy", 20, 8, 0.0, 1);
        Path narrow = features("narrow.npy", 20, 5, 0.0, 2);

        Run missing = run("fid", "--features-a", a.toString(), "--features-b", dir.resolve("nope.npy").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--features-b") && missing.err().contains("nope.npy")
                && missing.err().contains("does not exist"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Run dims = run("fid", "--features-a", a.toString(), "--features-b", narrow.toString());
        assertEquals(2, dims.code());
        assertTrue(dims.err().contains("Feature dimensions differ") && dims.err().contains("has 8")
                && dims.err().contains("has 5"), dims.err());

        Path stats = dir.resolve("s.npz");
        NativeMemory.scoped(() -> {
            try {
                FeatureStatistics.of(Tensors.randn(ComputeDevice.CPU, 10, 5), ComputeDevice.CPU).save(stats);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Run statsDims = run("fid", "--features-a", a.toString(), "--stats-b", stats.toString());
        assertEquals(2, statsDims.code());
        assertTrue(statsDims.err().contains("Feature dimensions differ"), statsDims.err());

        Path labels = dir.resolve("labels.npy");
        Npy.write(labels, NpyArray.ofLongs(new long[] {1, 2, 3}, 3));
        Run wrongType = run("fid", "--features-a", labels.toString(), "--features-b", a.toString());
        assertEquals(2, wrongType.code());
        assertTrue(wrongType.err().contains("[N, D]"), wrongType.err());

        Run both = run("fid", "--features-a", a.toString(), "--stats-a", stats.toString(), "--features-b", a.toString());
        assertEquals(2, both.code(), "picocli rejects two sources for one side");
        assertTrue(Files.exists(a));
    }
}
