package org.biggan4j.eval.torchscript;

import org.biggan4j.config.TorchScriptSpec;
import org.biggan4j.eval.FeatureExtractor;
import org.biggan4j.config.TorchScriptSpec.Normalisation;
import org.biggan4j.config.TorchScriptSpec.Resize;
import org.biggan4j.io.BadInputException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SuppressWarnings("try")
class TorchScriptFeaturesTest {

    private static final ComputeDevice CPU = ComputeDevice.CPU;

    /** Features: the spatial mean of each input channel times w [3, 5]. */
    private static final String MEAN_TIMES_W = """
            def forward(self, x):
                return torch.matmul(x.mean([2, 3]), self.w)
            """;

    /** The prepared input itself, flattened: [B, C * S * S]. */
    private static final String FLATTEN = """
            def forward(self, x):
                return x.reshape([x.size(0), -1])
            """;

    private static float[] randomImages(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void featuresEqualAHandComputationOnTheNormalisedGreyToRgbInput(@TempDir Path dir) {
        float[] w = randomImages(15, 1);
        Path file = TinyModules.save(dir, "meanw", MEAN_TIMES_W, Map.of("w", Tensors.fromFloats(w, CPU, 3, 5)));
        float[] pixels = randomImages(2 * 4 * 4, 2);                  // two grey 4x4 images in [-1, 1]
        TorchScriptSpec spec = new TorchScriptSpec(4, Resize.BILINEAR, Normalisation.IMAGENET, 3, 0, -1, true);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, spec, CPU);
             PointerScope scope = new PointerScope()) {
            assertEquals(5, net.featureDim());
            assertEquals(0, net.numClasses());
            FeatureExtractor.Output out = net.extract(Tensors.fromFloats(pixels, CPU, 2, 1, 4, 4));
            assertNull(out.logits());
            float[] got = Tensors.toFloats(out.features());
            double[] mean = {0.485, 0.456, 0.406};
            double[] std = {0.229, 0.224, 0.225};
            for (int b = 0; b < 2; b++) {
                double m = 0;                                          // spatial mean in [0, 1]
                for (int i = 0; i < 16; i++) {
                    m += (pixels[b * 16 + i] + 1) / 2.0 / 16;
                }
                for (int j = 0; j < 5; j++) {
                    double f = 0;
                    for (int c = 0; c < 3; c++) {
                        f += (m - mean[c]) / std[c] * w[c * 5 + j];
                    }
                    assertEquals(f, got[b * 5 + j], 1e-5, "image " + b + " feature " + j);
                }
            }
        }
    }

    @Test
    void imagesAreResizedToTheInputSide(@TempDir Path dir) {
        Path file = TinyModules.save(dir, "flat", FLATTEN);
        float[] pixels = randomImages(2 * 8 * 8, 3);
        // Area: 8x8 -> 4x4 averages 2x2 blocks; zero-one maps x to (x + 1) / 2.
        TorchScriptSpec area = new TorchScriptSpec(4, Resize.AREA, Normalisation.ZERO_ONE, 1, 0, -1, true);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, area, CPU);
             PointerScope scope = new PointerScope()) {
            assertEquals(16, net.featureDim());
            float[] got = Tensors.toFloats(net.extract(Tensors.fromFloats(pixels, CPU, 2, 1, 8, 8)).features());
            for (int b = 0; b < 2; b++) {
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 4; x++) {
                        double s = 0;
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                s += pixels[b * 64 + (2 * y + dy) * 8 + 2 * x + dx];
                            }
                        }
                        assertEquals((s / 4 + 1) / 2, got[b * 16 + y * 4 + x], 1e-6);
                    }
                }
            }
        }
        // Bilinear upsampling 8 -> 12, as F.interpolate(mode='bilinear', align_corners=False).
        TorchScriptSpec bilinear = new TorchScriptSpec(12, Resize.BILINEAR, Normalisation.MINUS_ONE_ONE, 1, 0, -1, true);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, bilinear, CPU);
             PointerScope scope = new PointerScope()) {
            Tensor images = Tensors.fromFloats(pixels, CPU, 2, 1, 8, 8);
            float[] got = Tensors.toFloats(net.extract(images).features());
            float[] want = Tensors.toFloats(torch.upsample_bilinear2d(images, new long[] {12, 12}, false));
            assertArrayEquals(want, got, 1e-6f);
            // Corner pixel of an align_corners=False upsampling is the corner input pixel.
            assertEquals(pixels[0], got[0], 1e-6);
        }
    }

    @Test
    void tupleOutputsAreSelectedByIndexAndFourDimensionalOnesPooled(@TempDir Path dir) {
        Path file = TinyModules.save(dir, "tuple", """
                def forward(self, x):
                    pooled = x.mean([2, 3])
                    return (pooled * 2.0, x * 3.0, torch.cat([pooled, pooled + 1.0], 1))
                """);
        float[] pixels = randomImages(3 * 3 * 2 * 2, 4);
        TorchScriptSpec spec = new TorchScriptSpec(2, Resize.BILINEAR, Normalisation.MINUS_ONE_ONE, 3, 1, 2, true);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, spec, CPU);
             PointerScope scope = new PointerScope()) {
            assertEquals(3, net.featureDim(), "output 1 is [B, 3, 2, 2], pooled to [B, 3]");
            assertEquals(6, net.numClasses());
            FeatureExtractor.Output out = net.extract(Tensors.fromFloats(pixels, CPU, 3, 3, 2, 2));
            float[] f = Tensors.toFloats(out.features());
            float[] k = Tensors.toFloats(out.logits());
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 3; c++) {
                    double m = 0;
                    for (int i = 0; i < 4; i++) {
                        m += pixels[(b * 3 + c) * 4 + i] / 4.0;
                    }
                    assertEquals(3 * m, f[b * 3 + c], 1e-6);
                    assertEquals(m, k[b * 6 + c], 1e-6);
                    assertEquals(m + 1, k[b * 6 + 3 + c], 1e-6);
                }
            }
            assertTrue(net.describe().contains("tuple.pt") && net.describe().contains("6 classes"), net.describe());
        }
    }

    @Test
    void listOutputsAreReadLikeTuples(@TempDir Path dir) {
        Path file = TinyModules.save(dir, "list", """
                def forward(self, x):
                    return [x.mean([2, 3]), x.mean([1, 2, 3]).unsqueeze(1)]
                """);
        TorchScriptSpec spec = new TorchScriptSpec(4, Resize.BILINEAR, Normalisation.MINUS_ONE_ONE, 1, 1, 0, true);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, spec, CPU)) {
            assertEquals(1, net.featureDim());
            assertEquals(1, net.numClasses());
        }
    }

    @Test
    void specAndModuleMismatchesFailAtLoadWithOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        Path single = TinyModules.save(dir, "single", FLATTEN);
        Path pair = TinyModules.save(dir, "pair", """
                def forward(self, x):
                    return (x.mean([2, 3]), x.mean([2, 3]))
                """);
        Path rank3 = TinyModules.save(dir, "rank3", """
                def forward(self, x):
                    return x.mean([2])
                """);
        Path fourD = TinyModules.save(dir, "fourd", """
                def forward(self, x):
                    return x * 2.0
                """);
        Path notScript = dir.resolve("weights.pt");
        Files.write(notScript, new byte[] {1, 2, 3, 4});
        TorchScriptSpec base = new TorchScriptSpec(4, Resize.BILINEAR, Normalisation.MINUS_ONE_ONE, 1, 0, -1, true);

        assertOneLine(single, "single tensor", () -> TorchScriptFeatures.load(single, base.withOutputs(1, -1), CPU));
        assertOneLine(single, "single tensor", () -> TorchScriptFeatures.load(single, base.withOutputs(0, 1), CPU));
        assertOneLine(pair, "returns 2 outputs", () -> TorchScriptFeatures.load(pair, base.withOutputs(0, 2), CPU));
        assertOneLine(rank3, "shape [2, 1, 4]", () -> TorchScriptFeatures.load(rank3, base, CPU));
        assertOneLine(fourD, "spatial pooling is off",
                () -> TorchScriptFeatures.load(fourD, base.withPoolSpatial(false), CPU));
        assertOneLine(notScript, "could not be loaded as TorchScript", () -> TorchScriptFeatures.load(notScript, base, CPU));
        assertOneLine(dir.resolve("absent.pt"), "does not exist",
                () -> TorchScriptFeatures.load(dir.resolve("absent.pt"), base, CPU));
        // A module that cannot run on the declared input: the forward error, in one line.
        Path w3 = TinyModules.save(dir, "needs3", MEAN_TIMES_W, Map.of("w", torch.ones(3, 5)));
        assertOneLine(w3, "failed on a batch of shape [2, 1, 4, 4]", () -> TorchScriptFeatures.load(w3, base, CPU));
        // With pooling on, the 4-D output is fine.
        try (TorchScriptFeatures net = TorchScriptFeatures.load(fourD, base, CPU)) {
            assertEquals(1, net.featureDim());
        }
    }

    @Test
    void rgbImagesAreRefusedByAGreyNetwork(@TempDir Path dir) {
        Path file = TinyModules.save(dir, "flat", FLATTEN);
        TorchScriptSpec spec = new TorchScriptSpec(2, Resize.BILINEAR, Normalisation.MINUS_ONE_ONE, 1, 0, -1, true);
        try (TorchScriptFeatures net = TorchScriptFeatures.load(file, spec, CPU);
             PointerScope scope = new PointerScope()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.extract(torch.zeros(1, 3, 2, 2)));
            assertTrue(e.getMessage().contains("reads 1-channel images, these have 3"), e.getMessage());
        }
    }

    @Test
    void theSpecValidatesItself() {
        assertThrows(IllegalArgumentException.class,
                () -> new TorchScriptSpec(299, Resize.BILINEAR, Normalisation.IMAGENET, 1, 0, 1, true));
        assertThrows(IllegalArgumentException.class,
                () -> new TorchScriptSpec(0, Resize.BILINEAR, Normalisation.ZERO_ONE, 3, 0, 1, true));
        assertThrows(IllegalArgumentException.class,
                () -> new TorchScriptSpec(299, Resize.BILINEAR, Normalisation.ZERO_ONE, 2, 0, 1, true));
        assertThrows(IllegalArgumentException.class,
                () -> new TorchScriptSpec(299, Resize.BILINEAR, Normalisation.ZERO_ONE, 3, -1, 1, true));
        assertThrows(IllegalArgumentException.class,
                () -> new TorchScriptSpec(299, Resize.BILINEAR, Normalisation.ZERO_ONE, 3, 0, -2, true));
        assertEquals(Normalisation.ZERO_ONE, Normalisation.parse("zero-one"));
        assertEquals(Normalisation.MINUS_ONE_ONE, Normalisation.parse("MINUS_ONE_ONE"));
        assertThrows(IllegalArgumentException.class, () -> Normalisation.parse("0-1"));
        assertFalse(TorchScriptSpec.inceptionV3().canonical().equals(
                TorchScriptSpec.inceptionV3().withOutputs(0, -1).canonical()));
    }

    private static void assertOneLine(Path file, String what, Runnable load) {
        // A damaged file is bad input; a module that does not fit the spec an argument error: both exit 2.
        RuntimeException e = assertThrows(RuntimeException.class, load::run);
        assertTrue(e instanceof BadInputException || e instanceof IllegalArgumentException,
                e.getClass() + ": " + e.getMessage());
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()) && m.contains(what), m);
        assertFalse(m.contains("\n"), "one line: " + m);
    }
}
