package org.biggan4j.eval.inception;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.torchfile.TorchStateDictReader;
import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FID Inception against pytorch-fid's own outputs ({@code fixtures/fid-inception}: its
 * unmodified code, torch 1.13, CPU float32, on a state dict with the published file's keys and
 * shapes but random quantised weights).
 *
 * <p>Tolerances, and why not 1e-4 everywhere: the reference outputs are themselves float32
 * results. Run in float64, this port computes what both float32 runs approximate, and the
 * reference is 7.0e-5 (64x48 inputs, pool3 up to 2) and 1.5e-4 (299 px inputs, pool3 up to
 * 315, logits up to 351) away from it (measured 2026-12-06); our float32 run is 8.9e-5 and
 * 2.2e-4 away, and 9.7e-5 and 2.4e-4 from the reference, with every convolution route tried
 * (oneDNN channels-last or NCHW, BatchNorm folded or not, libtorch's im2col path). pytorch-fid
 * itself, on this machine's torch 1.13, is 1.1e-4 to 6.4e-4 from the 299 px fixture in float32
 * and moves by 1.8e-4 with the thread count (reference/pytorch_fid_fixture.py). So the
 * float64 port must agree with the reference within 2e-4 and the float32 port within 3e-4,
 * absolute. A wrong pool (padding counted, average for max), BatchNorm eps or kernel padding
 * misses by 1e-2 or more, so these bounds still pin the architecture down.
 */
@SuppressWarnings("try")
class FidInceptionTest {

    /** How far pytorch-fid's float32 outputs may be from the exact (float64) result. */
    private static final double REFERENCE_ROUNDING = 2e-4;
    /** How far two float32 runs may be apart. */
    private static final double FLOAT32_AGREEMENT = 3e-4;
    /**
     * bf16 keeps 8 bits of mantissa, and through 94 layers the fixture's pool3 moves by 17% (relative
     * L2, measured 2026-12-06): far more than float32's 1e-6, which is why bf16 figures are labelled
     * as such and are not comparable with published ones. The bound catches a bf16 path that breaks.
     */
    private static final double BF16_RELATIVE = 0.25;
    private static FidInception network;
    private static FidInception exact;

    static Path fixture(String name) throws Exception {
        return Path.of(FidInceptionTest.class.getResource("/fixtures/fid-inception/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        network = FidInception.load(fixture("pt_inception-fixture.pth"), ComputeDevice.CPU);
        exact = FidInception.load(fixture("pt_inception-fixture.pth"), ComputeDevice.CPU, ScalarType.Double);
    }

    @AfterAll
    static void free() {
        network.close();
        exact.close();
    }

    @Test
    void reproducesPytorchFidOnImagesThatNeedTheResize() throws Exception {
        compare("images.npy", "pool3.npy", "logits.npy");
    }

    @Test
    void reproducesPytorchFidAt299Pixels() throws Exception {
        compare("images_299.npy", "pool3_299.npy", "logits_299.npy");
    }

    private static void compare(String images, String pool3, String logits) throws Exception {
        NativeMemory.scoped(() -> {
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor x = Npy.read(fixture(images), ComputeDevice.CPU);
                Tensor refPool3 = Npy.read(fixture(pool3), ComputeDevice.CPU).to(ScalarType.Double);
                Tensor refLogits = Npy.read(fixture(logits), ComputeDevice.CPU).to(ScalarType.Double);

                Tensor exactPool3 = exact.pool3(x);
                assertClose(refPool3, exactPool3, REFERENCE_ROUNDING, pool3 + " (float64 port)");
                assertClose(refLogits, exact.logits(exactPool3), REFERENCE_ROUNDING, logits + " (float64 port)");

                Tensor features = network.pool3(x);
                assertClose(refPool3, features, FLOAT32_AGREEMENT, pool3);
                assertClose(refLogits, network.logits(features), FLOAT32_AGREEMENT, logits);
                // The [-1, 1] entry point of the FeatureExtractor contract: the same up to the rounding of the map.
                var out = network.extract(x.mul(new Scalar(2.0)).sub(new Scalar(1.0)));
                assertClose(features, out.features(), FLOAT32_AGREEMENT, pool3 + " through extract");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance, String what) {
        assertEquals(Arrays.toString(expected.sizes().vec().get()), Arrays.toString(actual.sizes().vec().get()), what);
        double diff = expected.to(ScalarType.Double).sub(actual.to(ScalarType.Double)).abs().max().item_double();
        assertTrue(diff <= tolerance, what + ": max |difference| " + diff + " over " + tolerance);
        // The outputs are not all zero or constant, so agreement means something.
        assertTrue(expected.to(ScalarType.Double).std().item_double() > 1e-3, what + " is degenerate");
    }

    @Test
    void everyKeyOfThePublishedLayoutIsMappedWithItsShape() throws Exception {
        Map<String, String> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(fixture("keys.txt"))) {
            String[] kv = line.split("\t");
            listed.put(kv[0], kv[1].replace(" ", ""));
        }
        Map<String, String> ours = new LinkedHashMap<>();
        InceptionLayout.keys().forEach((k, v) -> ours.put(k, Arrays.toString(v).replace(" ", "")));
        assertEquals(List.copyOf(listed.keySet()), List.copyOf(ours.keySet()), "keys and their order");
        assertEquals(listed, ours, "shapes");
        assertEquals(472, ours.size());
    }

    /** bf16 (weights and activations) stays close to float32: the relative L2 error of pool3. */
    @Test
    void bf16FeaturesStayCloseToFloat32() throws Exception {
        try (FidInception bf16 = FidInception.load(fixture("pt_inception-fixture.pth"), ComputeDevice.CPU,
                ScalarType.BFloat16)) {
            NativeMemory.scoped(() -> {
                try (NoGradGuard g = new NoGradGuard()) {
                    Tensor x = Npy.read(fixture("images.npy"), ComputeDevice.CPU);
                    Tensor f32 = network.pool3(x);
                    Tensor b16 = bf16.pool3(x);
                    assertEquals(ScalarType.Float, Tensors.dtype(b16));
                    double relative = f32.sub(b16).norm().item_double() / f32.norm().item_double();
                    assertTrue(relative < BF16_RELATIVE, "relative L2 error " + relative);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }
    }

    @Test
    void theLayoutCountsTheNetworksPublishedCost() {
        // Szegedy et al. give about 5.7 G multiply-adds per 299 px image for Inception v3.
        long macs = InceptionLayout.flopsPerImage() / 2;
        assertTrue(macs > 5.6e9 && macs < 5.8e9, "multiply-adds per image: " + macs);
        // and the fixture README's 23,850,960 parameters (BatchNorm's running statistics are buffers).
        long parameters = InceptionLayout.keys().entrySet().stream().filter(e -> !e.getKey().contains(".running_"))
                .mapToLong(e -> Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b)).sum();
        assertEquals(23_850_960L, parameters);
    }

    @Test
    void aMissingOrMisShapedKeyIsOneLineNamingIt() throws Exception {
        Path file = fixture("pt_inception-fixture.pth");
        NativeMemory.scoped(() -> {
            Map<String, Tensor> dict = new LinkedHashMap<>(
                    TorchStateDictReader.read(file, ComputeDevice.CPU));
            Map<String, Tensor> missing = new LinkedHashMap<>(dict);
            missing.remove("Mixed_6c.branch7x7dbl_4.bn.running_var");
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> InceptionWeights.check(missing, file));
            assertTrue(e.getMessage().contains("Mixed_6c.branch7x7dbl_4.bn.running_var")
                    && e.getMessage().contains("missing") && !e.getMessage().contains("\n"), e.getMessage());

            Map<String, Tensor> misShaped = new LinkedHashMap<>(dict);
            misShaped.put("Mixed_7c.branch3x3_2a.conv.weight",
                    dict.get("Mixed_7c.branch3x3_2b.conv.weight"));    // 3x1 where 1x3 belongs
            e = assertThrows(CheckpointException.class, () -> InceptionWeights.check(misShaped, file));
            assertTrue(e.getMessage().contains("Mixed_7c.branch3x3_2a.conv.weight")
                    && e.getMessage().contains("[384, 384, 3, 1]"), e.getMessage());

            Map<String, Tensor> extra = new LinkedHashMap<>(dict);
            extra.put("AuxLogits.fc.weight", dict.get("fc.bias"));
            e = assertThrows(CheckpointException.class, () -> InceptionWeights.check(extra, file));
            assertTrue(e.getMessage().contains("AuxLogits.fc.weight"), e.getMessage());

            InceptionWeights.check(dict, file);   // the genuine layout passes
        });
    }
}
