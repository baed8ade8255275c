package org.biggan4j.checkpoint.imports;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.checkpoint.torchfile.TorchStateDictReader;
import org.biggan4j.io.Npy;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.model.deep.DeepGenerator;
import org.biggan4j.nn.BatchNorm2d;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pytorch-pretrained-BigGAN (BigGAN-deep) importer against the reference fixture (a 128 px
 * model with channel_width 6 run by the project's own code, see fixtures/README.md) and the
 * official 128/256/512 key listings.
 */
class HfBigGanDeepImporterTest {

    /** The fixture README's tolerance: libtorch kernel differences stay far below it, every known mistake far above. */
    private static final double TOLERANCE = 1e-4;

    private static final String[] TAGS = {"t0.400", "t1.000", "t0.425"};

    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(HfBigGanDeepImporterTest.class.getResource("/fixtures/pretrained-biggan-deep/" + name).toURI());
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        assertArrayEquals(Tensors.shape(b), Tensors.shape(a));
        return a.sub(b).abs().max().item_double();
    }

    @Test
    void reproducesTheReferenceOutputsAtAllThreeTruncations() throws Exception {
        try (var scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            HfBigGanDeepImporter.Converted c = HfBigGanDeepImporter.convert(fixture(""));
            assertEquals(6, c.hf().ch());
            assertEquals(1e-4, c.config().model().bnEps());
            assertEquals(51, c.config().model().truncationBnRows());
            DeepGenerator generator = (DeepGenerator) Models.generator(Models.spec(c.config().model(), false, 1000, 3),
                    ComputeDevice.CPU);
            StateDict.load(generator, c.state(), "pytorch_model.bin");
            generator.eval();
            assertTrue(generator.truncationIndexedStatistics());
            assertEquals(8, generator.attentionBefore());
            Tensor onehot = Npy.read(fixture("class_onehot.npy"), ComputeDevice.CPU);
            Tensor ids = Npy.read(fixture("class_ids.npy"), ComputeDevice.CPU);
            for (String tag : TAGS) {
                Tensor z = Npy.read(fixture("z_" + tag + ".npy"), ComputeDevice.CPU);
                double truncation = Npy.read(fixture("truncation_" + tag + ".npy"), ComputeDevice.CPU).item_double();
                generator.selectTruncation(truncation);
                Tensor cond = generator.conditionSoft(z, onehot);
                double dc = maxAbsDiff(cond, Npy.read(fixture("cond_" + tag + ".npy"), ComputeDevice.CPU));
                assertTrue(dc <= TOLERANCE, "cond_" + tag + ": max abs difference " + dc);
                double dh = maxAbsDiff(generator.initialFeatures(cond), Npy.read(fixture("h0_" + tag + ".npy"),
                        ComputeDevice.CPU));
                assertTrue(dh <= TOLERANCE, "h0_" + tag + ": max abs difference " + dh);
                Tensor expected = Npy.read(fixture("out_" + tag + ".npy"), ComputeDevice.CPU);
                double soft = maxAbsDiff(generator.forwardSoft(z, onehot), expected);
                assertTrue(soft <= TOLERANCE, "out_" + tag + " (one-hot class vectors): max abs difference " + soft);
                double hard = maxAbsDiff(generator.forward(z, ids), expected);
                assertTrue(hard <= TOLERANCE, "out_" + tag + " (class ids): max abs difference " + hard);
                System.out.printf(Locale.ROOT, "%s: cond %.2e, h0 %.2e, out %.2e (one-hot), %.2e (ids)%n",
                        tag, dc, dh, soft, hard);
            }
            // The test sees the mistakes of the fixtures README: 0.4 as float32 takes (almost) row 21.
            generator.selectTruncation((float) 0.4);
            double f32 = maxAbsDiff(generator.forward(Npy.read(fixture("z_t0.400.npy"), ComputeDevice.CPU), ids),
                    Npy.read(fixture("out_t0.400.npy"), ComputeDevice.CPU));
            assertTrue(f32 > 0.1, "truncation as float32 must not match: " + f32);
            // Batch statistics are never used: one sample alone gives the same image as in the batch.
            Tensor z = Npy.read(fixture("z_t0.425.npy"), ComputeDevice.CPU);
            generator.selectTruncation(0.425);
            double alone = maxAbsDiff(generator.forward(z.narrow(0, 1, 1), ids.narrow(0, 1, 1)),
                    Npy.read(fixture("out_t0.425.npy"), ComputeDevice.CPU).narrow(0, 1, 1));
            assertTrue(alone <= TOLERANCE, "a batch of one: " + alone);
        }
    }

    @Test
    void choosesStatisticsRowsInDoublePrecisionWithTheReversedWeights() {
        assertArrayEquals(new double[] {20, 0}, BatchNorm2d.statisticsRows(0.4, 51));
        assertArrayEquals(new double[] {50, 0}, BatchNorm2d.statisticsRows(1.0, 51));
        double[] r = BatchNorm2d.statisticsRows(0.425, 51);
        assertEquals(21, r[0]);
        assertEquals(0.25, r[1], 1e-9);
        // 0.4 as float32 lands just above row 20 (f ~ 3e-7): almost exactly row 21 under the reversed weights.
        double[] f32 = BatchNorm2d.statisticsRows((float) 0.4, 51);
        assertEquals(20, f32[0]);
        assertTrue(f32[1] > 0 && f32[1] < 1e-6);
        assertThrows(IllegalArgumentException.class, () -> BatchNorm2d.statisticsRows(0.0, 51));
        assertThrows(IllegalArgumentException.class, () -> BatchNorm2d.statisticsRows(1.5, 51));
    }

    @ParameterizedTest
    @CsvSource({"128, 506, 50388609", "256, 602, 55880833", "512, 698, 56163905"})
    void everyOfficialKeyMapsOntoOurFullSizeArchitectureWithTheSameShape(int resolution, int entries, long parameters)
            throws Exception {
        LinkedHashMap<String, long[]> official = BigGanPyTorchImporterTest.listing("../pretrained-biggan-deep/keys-"
                + resolution + ".txt");
        assertEquals(entries, official.size());
        HfBigGanDeepConfig hf = HfBigGanDeepConfig.official(resolution);
        LinkedHashMap<String, long[]> ours = HfBigGanDeepImporter.ourShapes(hf.config());
        LinkedHashMap<String, HfBigGanDeepLayout.Expected> expected = HfBigGanDeepLayout.expected(ours,
                hf.attentionPosition());
        HfBigGanDeepLayout.check(official, expected, "keys-" + resolution + ".txt", "official generator");
        assertEquals(official.keySet(), expected.keySet());
        Set<String> filled = new HashSet<>();
        for (Map.Entry<String, long[]> e : official.entrySet()) {
            HfBigGanDeepLayout.Expected x = expected.get(e.getKey());
            long[] target = ours.get(x.ourKey());
            switch (x.kind()) {
                case COPY -> assertArrayEquals(e.getValue(), target, e.getKey() + " -> " + x.ourKey());
                case TRANSPOSE -> assertArrayEquals(new long[] {e.getValue()[1], e.getValue()[0]}, target, e.getKey());
                case RESHAPE -> assertEquals(Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b),
                        Arrays.stream(target).reduce(1, (a, b) -> a * b), e.getKey());
            }
            assertTrue(filled.add(x.ourKey()), "one file key per tensor: " + x.ourKey());
        }
        for (String k : ours.keySet()) {
            assertTrue(filled.contains(k) || k.endsWith("weight_sigma"), "our tensor " + k + " is filled from the file");
        }
        long count;
        try (var scope = new PointerScope()) {
            count = Models.parameterCount(Models.generator(Models.spec(hf.config().model(), false, 1000, 3),
                    ComputeDevice.META));
        }
        assertEquals(parameters, count, "the official parameter count (fixtures README)");
    }

    /** Converts a modified copy of the fixture's tensors and returns the error. */
    private static String errorFor(Consumer<LinkedHashMap<String, Tensor>> change) throws Exception {
        LinkedHashMap<String, Tensor> theirs = TorchStateDictReader.read(fixture("pytorch_model.bin"), ComputeDevice.CPU);
        change.accept(theirs);
        HfBigGanDeepConfig hf = HfBigGanDeepConfig.read(fixture("config.json"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> HfBigGanDeepImporter.convert(theirs, hf, "pytorch_model.bin", "generator of config.json"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void aMissingKeyIsOneLineNamingTheKeyAndTheShape() throws Exception {
        String m = errorFor(s -> s.remove("generator.layers.9.bn_2.running_vars"));
        assertTrue(m.contains("lacks key 'generator.layers.9.bn_2.running_vars' (found shape none, expected [51, 3])"), m);
        // A file without weight_v (the caveat of the fixtures README) is refused, not guessed.
        m = errorFor(s -> s.remove("generator.gen_z.weight_v"));
        assertTrue(m.contains("lacks key 'generator.gen_z.weight_v' (found shape none, expected [256])"), m);
    }

    @Test
    void anUnknownKeyIsOneLineNamingTheKeyAndTheShape() throws Exception {
        String m = errorFor(s -> s.put("generator.layers.3.bn_9.weight", torch.zeros(7)));
        assertTrue(m.contains("unexpected key 'generator.layers.3.bn_9.weight' [7]"), m);
        assertTrue(m.contains("expected shape: none"), m);
    }

    @Test
    void aWrongShapeIsOneLineNamingTheKeyAndBothShapes() throws Exception {
        String m = errorFor(s -> s.put("embeddings.weight", torch.zeros(1000, 128)));
        assertTrue(m.contains("key 'embeddings.weight' has shape [1000, 128]") && m.contains("expects [128, 1000]"), m);
    }

    @Test
    void aConfigThatDisagreesWithTheWeightsWritesNothing() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("wide"));
        Files.copy(fixture("pytorch_model.bin"), folder.resolve("pytorch_model.bin"));
        Files.writeString(folder.resolve("config.json"), Files.readString(fixture("config.json"))
                .replace("\"channel_width\": 6", "\"channel_width\": 8"));
        Path out = dir.resolve("out.b4j");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfBigGanDeepImporter.importTo(folder, out));
        assertTrue(e.getMessage().matches(".*key '[^']+' has shape \\[.*\\] but the .* expects \\[.*\\].*"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(folder), files.toList(), "nothing written, not even a temporary file");
        }
    }

    @Test
    void aTruncatedFileIsAOneLineError() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("cut"));
        Files.copy(fixture("config.json"), folder.resolve("config.json"));
        byte[] bytes = Files.readAllBytes(fixture("pytorch_model.bin"));
        Files.write(folder.resolve("pytorch_model.bin"), Arrays.copyOf(bytes, bytes.length / 2));
        Path out = dir.resolve("out.b4j");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfBigGanDeepImporter.importTo(folder, out));
        assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aFolderWithoutConfigJsonIsOneLine() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("noconfig"));
        Files.copy(fixture("pytorch_model.bin"), folder.resolve("pytorch_model.bin"));
        Path out = dir.resolve("out.b4j");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfBigGanDeepImporter.importTo(folder, out));
        assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(out));
    }
}
