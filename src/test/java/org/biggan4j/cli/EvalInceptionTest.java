package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import org.biggan4j.io.Npy;
import org.biggan4j.run.EvaluationRunTest;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval --inception-weights}: FID, KID and IS on the FID Inception with the protocol
 * stated, on the fixture's weights (the published layout with random weights; nothing is
 * downloaded). Small sets keep a 299 px network affordable on two cores.
 */
class EvalInceptionTest {

    private static Path weights() throws Exception {
        return Path.of(EvalInceptionTest.class.getResource("/fixtures/fid-inception/pt_inception-fixture.pth").toURI());
    }

    /** Fashion-MNIST test images, as .npy [N, 1, 32, 32] in [-1, 1]. */
    private static Path samples(Path file, int[] indices) {
        int count = indices.length;
        NativeMemory.scoped(() -> {
            LabelledImages test = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
            float[] values = new float[count * test.imageBytes()];
            byte[] pixels = new byte[test.imageBytes()];
            for (int i = 0; i < count; i++) {
                test.read(indices[i], pixels, 0);
                for (int j = 0; j < pixels.length; j++) {
                    values[i * pixels.length + j] = (pixels[j] & 0xff) / 127.5f - 1f;
                }
            }
            try {
                Npy.write(file, Tensors.fromFloats(values, ComputeDevice.CPU, count, 1, test.resolution(),
                        test.resolution()));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        return file;
    }

    /** The indices {@link EvaluationRunTest#realImages} writes: the first {@code perClass} of each class. */
    private static int[] firstOfEachClass(int perClass) {
        LabelledImages test = DataSources.open(null, DataOptions.defaults().withSplit(DataOptions.Split.TEST));
        int[] written = new int[test.classCount()];
        return IntStream.range(0, test.count()).filter(i -> written[test.labels(i)[0]]++ < perClass)
                .limit((long) perClass * test.classCount()).toArray();
    }

    @Test
    void scoresSamplesWithFidKidAndIsAndSaysWhichProtocol(@TempDir Path dir) throws Exception {
        Path real = EvaluationRunTest.realImages(dir.resolve("real"), 2);        // 20 images, 2 per class
        Path other = samples(dir.resolve("other.npy"), IntStream.range(5000, 5020).toArray());
        Cli.Run r = Cli.run("eval", "--samples", other.toString(), "--real", real.toString(), "--inception-weights",
                weights().toString(), "--splits", "2", "--no-cache", "--out", dir.resolve("eval").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertTrue(doc.path("protocol").asText().contains("pytorch-fid's FID Inception"), r.out());
        assertTrue(doc.path("protocol").asText().contains("20 samples per row against 20 real images"), r.out());
        assertTrue(doc.path("feature_network").asText().contains("FID Inception"), r.out());
        JsonNode row = doc.path("results").get(0);
        double fid = row.path("fid").asDouble();
        assertTrue(fid > 0 && Double.isFinite(fid), r.out());
        assertTrue(Double.isFinite(row.path("kid").asDouble()) && row.path("kid_std").asDouble() == 0.0, r.out());
        double is = row.path("inception_score").asDouble();
        assertTrue(is >= 1 && is <= 1008, r.out());

        // The real images scored as samples against themselves: FID 0 up to rounding, below the other set's.
        Path same = samples(dir.resolve("same.npy"), firstOfEachClass(2));
        Cli.Run self = Cli.run("eval", "--samples", same.toString(), "--real", real.toString(),
                "--inception-weights", weights().toString(), "--splits", "2", "--no-cache", "--out",
                dir.resolve("eval-self").toString(), "--json");
        assertEquals(0, self.code(), self.err());
        double selfFid = new ObjectMapper().readTree(self.out()).path("results").get(0).path("fid").asDouble();
        assertTrue(Math.abs(selfFid) < 1e-3 * fid, "FID of a set against itself " + selfFid + " vs " + fid);
    }
}
