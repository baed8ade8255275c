package org.biggan4j.checkpoint.imports;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.checkpoint.torchfile.TorchStateDictReader;
import org.biggan4j.io.Npy;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.model.biggan.BigGanGenerator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The BigGAN-PyTorch importer against the reference fixture (a 128 px generator with G_ch 6 run
 * by the project's own code, see fixtures/README.md) and the official 128 px ch96 key listing.
 */
class BigGanPyTorchImporterTest {

    /** The fixture README's tolerance: libtorch kernel differences stay far below it, every known mistake far above. */
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(BigGanPyTorchImporterTest.class.getResource("/fixtures/biggan-pytorch/" + name).toURI());
    }

    /** {@code key<TAB>[shape]<TAB>dtype} lines. */
    static LinkedHashMap<String, long[]> listing(String name) throws Exception {
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(fixture(name))) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split("\t");
            String inside = parts[1].trim().replaceAll("[\\[\\]\\s]", "");
            out.put(parts[0], inside.isEmpty() ? new long[0]
                    : Arrays.stream(inside.split(",")).mapToLong(Long::parseLong).toArray());
        }
        return out;
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        assertArrayEquals(Tensors.shape(b), Tensors.shape(a));
        return a.sub(b).abs().max().item_double();
    }

    @Test
    void everyOfficialKeyOfThe128Ch96GeneratorMapsOntoOurFullSizeArchitectureWithTheSameShape() throws Exception {
        LinkedHashMap<String, long[]> official = listing("keys-128-ch96.txt");
        assertEquals(166, official.size());
        // The official arguments, as recorded next to the listing.
        Path args = dir.resolve("generator_args.json");
        ObjectMapper json = new ObjectMapper();
        json.writeValue(args.toFile(), json.readTree(fixture("official-counts.json").toFile())
                .path("models").path("BigGAN-128-ch96").path("generator_args"));
        BigGanPyTorchArgs fromConfig = BigGanPyTorchArgs.read(args);
        assertEquals(BigGanPyTorchArgs.infer(official, "keys-128-ch96.txt"), fromConfig,
                "the shapes alone give the official arguments");

        LinkedHashMap<String, long[]> ours = BigGanPyTorchImporter.ourShapes(fromConfig);
        LinkedHashMap<String, BigGanPyTorchLayout.Expected> expected = BigGanPyTorchLayout.expected(ours);
        BigGanPyTorchLayout.check(official, expected, "keys-128-ch96.txt", "official generator");
        assertEquals(official.keySet(), expected.keySet(), "the same 166 keys, none optional left out");

        Set<String> filled = new HashSet<>();
        for (Map.Entry<String, long[]> e : official.entrySet()) {
            BigGanPyTorchLayout.Expected x = expected.get(e.getKey());
            long[] target = ours.get(x.ourKey());
            switch (x.kind()) {
                case COPY -> {
                    assertArrayEquals(e.getValue(), target, e.getKey() + " -> " + x.ourKey());
                    filled.add(x.ourKey());
                }
                case SN_U -> {
                    String layer = x.ourKey().substring(0, x.ourKey().length() - "weight".length());
                    assertArrayEquals(new long[] {1, ours.get(layer + "weight_u")[0]}, e.getValue(), e.getKey());
                    assertEquals(target[0], e.getValue()[1], "u0 has the layer's output width: " + e.getKey());
                    filled.add(layer + "weight_u");
                    filled.add(layer + "weight_v");
                    filled.add(layer + "weight_sigma");
                }
                case SN_SV -> assertArrayEquals(new long[] {1}, e.getValue(), e.getKey());
            }
        }
        for (String k : ours.keySet()) {
            assertTrue(filled.contains(k) || k.endsWith("num_batches"), "our tensor " + k + " is filled from the file");
        }
        // The parameters are the same tensors: 70,433,988 on both sides (fixtures README).
        long parameters = 0;
        try (var scope = new PointerScope()) {
            parameters = Models.parameterCount(Models.generator(BigGanPyTorchImporter.spec(fromConfig.config()),
                    ComputeDevice.META));
        }
        assertEquals(70_433_988L, parameters);
    }

    @ParameterizedTest
    @ValueSource(strings = {"G.pth", "G_ema.pth"})
    void reproducesTheReferenceOutputsOfBothContainers(String file) throws Exception {
        try (var scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            BigGanPyTorchImporter.Converted c = BigGanPyTorchImporter.convert(fixture(file),
                    fixture("generator_args.json"));
            assertEquals(6, c.args().ch());
            assertEquals(1e-5, c.args().bnEps());
            assertEquals(1e-6, c.args().snEps());
            BigGanGenerator generator = (BigGanGenerator) Models.generator(BigGanPyTorchImporter.spec(c.config()),
                    ComputeDevice.CPU);
            StateDict.load(generator, c.state(), file);
            generator.eval();
            Tensor y = Npy.read(fixture("y.npy"), ComputeDevice.CPU);
            for (String tag : new String[] {"", "_trunc"}) {
                Tensor z = Npy.read(fixture("z" + tag + ".npy"), ComputeDevice.CPU);
                double h0 = maxAbsDiff(generator.initialFeatures(z), Npy.read(fixture("h0" + tag + ".npy"),
                        ComputeDevice.CPU));
                assertTrue(h0 <= TOLERANCE, file + " h0" + tag + ": max abs difference " + h0);
                double out = maxAbsDiff(generator.forward(z, y), Npy.read(fixture("out" + tag + ".npy"),
                        ComputeDevice.CPU));
                assertTrue(out <= TOLERANCE, file + " out" + tag + ": max abs difference " + out);
            }
        }
    }

    @Test
    void theArgumentsInferredFromTheShapesEqualTheFixturesArguments() throws Exception {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        TorchStateDictReader.read(fixture("G.pth"), ComputeDevice.CPU).forEach((k, v) -> shapes.put(k, Tensors.shape(v)));
        assertEquals(BigGanPyTorchArgs.read(fixture("generator_args.json")), BigGanPyTorchArgs.infer(shapes, "G.pth"));
    }

    @Test
    void importedSpectralNormVectorsGiveTheirEvalSigmaThroughOurFormula() {
        try (var scope = new PointerScope()) {
            Tensor w = Tensors.fromFloats(new float[] {2, 0, 1, 0, 1, 0}, ComputeDevice.CPU, 2, 3);
            Tensor u0 = Tensors.fromFloats(new float[] {0.6f, 0.8f}, ComputeDevice.CPU, 2);
            Tensor[] uvs = BigGanPyTorchImporter.powerStep(w, u0, 1e-6);
            // Theirs: v = normalise(u0 W) = (1.2, 0.8, 0.6) / |.|, sigma = |W v| (one power step, not the exact norm).
            double n = Math.sqrt(1.44 + 0.64 + 0.36);
            double[] v = {1.2 / n, 0.8 / n, 0.6 / n};
            double wv0 = 2 * v[0] + v[2];
            double wv1 = v[1];
            double sigma = Math.hypot(wv0, wv1);
            assertArrayEquals(new float[] {(float) (wv0 / sigma), (float) (wv1 / sigma)}, Tensors.toFloats(uvs[0]), 1e-6f);
            assertArrayEquals(new float[] {(float) v[0], (float) v[1], (float) v[2]}, Tensors.toFloats(uvs[1]), 1e-6f);
            assertEquals(sigma, uvs[2].item_double(), 1e-6);
            // Our eval formula with the stored vectors gives the same sigma.
            assertEquals(sigma, uvs[0].mul(w.mv(uvs[1])).sum().item_double(), 1e-6);
        }
    }

    /** Converts a modified copy of the fixture's tensors and returns the error. */
    private static String errorFor(Consumer<LinkedHashMap<String, Tensor>> change) throws Exception {
        LinkedHashMap<String, Tensor> theirs = TorchStateDictReader.read(fixture("G.pth"), ComputeDevice.CPU);
        change.accept(theirs);
        BigGanPyTorchArgs args = BigGanPyTorchArgs.read(fixture("generator_args.json"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> BigGanPyTorchImporter.convert(theirs, args, "G.pth", "generator of generator_args.json"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void aMissingKeyIsNamedWithItsExpectedShape() throws Exception {
        String message = errorFor(t -> t.remove("blocks.2.0.conv_sc.u0"));
        assertTrue(message.contains("'blocks.2.0.conv_sc.u0'") && message.contains("[1, 24]")
                && message.contains("lacks"), message);
    }

    @Test
    void aMissingWeightIsNamedWithItsExpectedShape() throws Exception {
        String message = errorFor(t -> t.remove("blocks.2.0.conv1.weight"));
        assertTrue(message.contains("'blocks.2.0.conv1.weight'") && message.contains("[24, 48, 3, 3]"), message);
    }

    /** Their generator forward on the fixture, with some entries of the file removed. */
    private static double outputErrorWithout(String suffix) throws Exception {
        try (var scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            LinkedHashMap<String, Tensor> theirs = TorchStateDictReader.read(fixture("G.pth"), ComputeDevice.CPU);
            theirs.keySet().removeIf(k -> k.endsWith(suffix));
            BigGanPyTorchArgs args = BigGanPyTorchArgs.infer(shapes(theirs), "G.pth");
            LinkedHashMap<String, Tensor> ours = BigGanPyTorchImporter.convert(theirs, args, "G.pth", "generator");
            BigGanGenerator generator = (BigGanGenerator) Models.generator(BigGanPyTorchImporter.spec(args.config()),
                    ComputeDevice.CPU);
            StateDict.load(generator, ours, "G.pth");
            generator.eval();
            if (suffix.equals(".u0")) {
                // No u0: sigma is the exact spectral norm of every layer.
                for (String k : ours.keySet()) {
                    if (k.endsWith(".weight_sigma")) {
                        Tensor w = ours.get(k.replace("weight_sigma", "weight"));
                        double exact = torch.linalg_svdvals(w.reshape(w.size(0), -1)).max().item_double();
                        assertEquals(exact, ours.get(k).item_double(), 1e-5 * exact, k);
                    }
                }
            }
            return maxAbsDiff(generator.forward(Npy.read(fixture("z.npy"), ComputeDevice.CPU),
                    Npy.read(fixture("y.npy"), ComputeDevice.CPU)), Npy.read(fixture("out.npy"), ComputeDevice.CPU));
        }
    }

    private static LinkedHashMap<String, long[]> shapes(Map<String, Tensor> tensors) {
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, Tensors.shape(v)));
        return out;
    }

    @Test
    void filesWithoutSv0OrWithoutAnySpectralNormBuffersImport() throws Exception {
        // sv0 is never read in eval mode (TF Hub conversions lack it): same outputs.
        assertTrue(outputErrorWithout(".sv0") <= TOLERANCE);
        // Without u0 their eval output is undefined; ours uses the exact spectral norm, which differs (README: 1.44).
        double withoutU = outputErrorWithout(".u0");
        assertTrue(withoutU > 0.1 && withoutU < 2.0, "exact-sigma output differs from the u0 one by " + withoutU);
    }

    @Test
    void anUnknownKeyIsNamedWithItsShape() throws Exception {
        String message = errorFor(t -> t.put("blocks.1.0.bn1.bn.stored_mean", torch.zeros(96)));
        assertTrue(message.contains("'blocks.1.0.bn1.bn.stored_mean' [96]") && message.contains("--mybn"), message);
    }

    @Test
    void aShapeMismatchNamesTheKeyAndBothShapes() throws Exception {
        String message = errorFor(t -> t.put("blocks.3.1.gamma", torch.zeros(1)));
        assertTrue(message.contains("'blocks.3.1.gamma' has shape [1]") && message.contains("expects []"), message);
    }

    @Test
    void argumentsThatDoNotFitTheFileGiveAShapeMismatch() throws Exception {
        Path args = dir.resolve("generator_args.json");
        Files.writeString(args, Files.readString(fixture("generator_args.json")).replace("\"G_ch\": 6", "\"G_ch\": 8"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> BigGanPyTorchImporter.convert(fixture("G.pth"), args));
        assertTrue(e.getMessage().contains("'shared.weight'") || e.getMessage().contains("'linear.weight' has shape "
                + "[1536, 20]") && e.getMessage().contains("[2048, 20]"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aTruncatedFileIsAOneLineError() throws Exception {
        for (String name : new String[] {"G.pth", "G_ema.pth"}) {
            byte[] bytes = Files.readAllBytes(fixture(name));
            Path cut = dir.resolve("cut-" + name);
            Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> BigGanPyTorchImporter.convert(cut, fixture("generator_args.json")));
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void unsupportedArgumentsAreRefusedByName() throws Exception {
        Path args = dir.resolve("mybn.json");
        Files.writeString(args, Files.readString(fixture("generator_args.json")).replace("\"mybn\": false", "\"mybn\": true"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> BigGanPyTorchArgs.read(args));
        assertTrue(e.getMessage().contains("mybn"), e.getMessage());
        Path unknown = dir.resolve("unknown.json");
        Files.writeString(unknown, "{\"G_chh\": 6}");
        e = assertThrows(CheckpointException.class, () -> BigGanPyTorchArgs.read(unknown));
        assertTrue(e.getMessage().contains("'G_chh'"), e.getMessage());
    }
}
