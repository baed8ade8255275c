package org.biggan4j.model.zoo;

import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.model.ModelSpec;
import org.biggan4j.model.zoo.Models;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StepMetrics;
import org.biggan4j.train.TrainingSession;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every preset's G and D at its published width, on CPU, as a user gets them: the widths are
 * where oneDNN picks kernels that the narrow test models never reach (BigGAN-deep at ch 128
 * killed the JVM in a 1x1 convolution; see {@code CpuConvolutions}). Eval-mode forwards at batch
 * 1 and 2 under no-grad (sampling), and one training
 * iteration of the 128 px presets (D and G updates through the real step, on the embedded data
 * resampled to 128 px). Measured on the 2-core development VM, shared: about 5 minutes for the
 * class, the JVM peaking near 6 GB resident (BigGAN-512's G at batch 1). With batch 2 at 512 px
 * as well (after {@code NativeMemory.stage} freed each block's intermediates under no-grad):
 * 166 s on a quieter machine, 10.2 GB peak resident for the class (2026-12-06).
 */
class PublishedSizesTest {

    /** ImageNet's classes, as the published conditional models have (presets that take them from the data). */
    private static final int IMAGENET_CLASSES = 1000;

    /**
     * The presets' orthogonal init QR-decomposes every weight: building BigGAN-128's G, D and G_ema
     * took over 7 minutes here (2 shared cores). The init changes no shape and no kernel choice, so
     * these tests draw N(0, 0.02) weights instead.
     */
    private static final String FAST_INIT = "model.init=normal_002";

    static Stream<String> presets() {
        return ConfigLoader.PRESETS.stream();
    }

    static ModelSpec publishedSpec(TrainConfig config) {
        TrainConfig.ModelConfig m = config.model();
        boolean ebgan = config.objective().kind() == TrainConfig.ObjectiveKind.EBGAN;
        return Models.spec(m, ebgan, IMAGENET_CLASSES, m.imageChannels() > 0 ? m.imageChannels() : 3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presets")
    void generatorAndDiscriminatorRunInEvalModeAtPublishedWidth(String preset) {
        TrainConfig config = ConfigLoader.load(preset, List.of(FAST_INIT));
        ModelSpec spec = publishedSpec(config);
        Seeds.seedTorch(19);
        try {
            NativeMemory.scoped(() -> {
                Generator generator = Models.generator(spec, ComputeDevice.CPU);
                Discriminator discriminator = Models.discriminator(spec, ComputeDevice.CPU);
                try {
                    assertEquals(ModelSize.generatorParameters(spec), Models.parameterCount(generator),
                            preset + ": G's parameters sized from the configuration");
                    assertEquals(ModelSize.discriminatorParameters(spec), Models.parameterCount(discriminator),
                            preset + ": D's parameters sized from the configuration");
                    generator.eval();
                    discriminator.eval();
                    for (int batch : batches(spec)) {
                        evalForwards(preset, spec, generator, discriminator, batch);
                    }
                } finally {
                    generator.close();
                    discriminator.close();
                }
            });
        } finally {
            // glibc keeps the freed buffers of a model (hundreds of MB at 512 px) in its heap;
            // returning them keeps the suite's resident size from adding up preset after preset.
            Pointer.trimMemory();
        }
    }

    /**
     * Batch 1 and 2 for every preset. BigGAN-512's G at batch 2 took the test JVM past 7.5 GB
     * while a scope held every intermediate of its forward; the generators and discriminators now
     * free each block's intermediates under no-grad ({@code NativeMemory.stage}).
     */
    private static int[] batches(ModelSpec spec) {
        return new int[] {1, 2};
    }

    /**
     * G then D under no-grad, each in its own scope: a scope keeps every intermediate of a forward
     * until it closes (about 4 GB for BigGAN-512's G at batch 2), so only the images cross over.
     */
    private static void evalForwards(String preset, ModelSpec spec, Generator generator, Discriminator discriminator,
                                     int batch) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor classes = spec.conditional()
                    ? Tensors.fromLongs(new long[] {207, 0}, ComputeDevice.CPU, 2).narrow(0, 0, batch).contiguous()
                    : null;
            Tensor images = NativeMemory.scoped(() -> NativeMemory.keep(generator.forward(
                    Tensors.randn(ComputeDevice.CPU, batch, spec.latentDim()), classes)));
            try {
                assertArrayEquals(new long[] {batch, spec.imageChannels(), spec.resolution(), spec.resolution()},
                        Tensors.shape(images), preset + " G output shape");
                assertTrue(torch.isfinite(images).all().item_bool(), preset + ": G output not finite");
                NativeMemory.scoped(() -> {
                    Tensor scores = discriminator.forward(images, classes);
                    assertEquals(batch, scores.numel(), preset + " D output: one score per image");
                    assertTrue(torch.isfinite(scores).all().item_bool(), preset + ": D output not finite");
                });
            } finally {
                images.close();
            }
        }
    }

    /**
     * One iteration (one D update, one G update, the EMA) of each 128 px preset at batch 2 on the
     * embedded Fashion-MNIST resampled to 128 px and RGB, through the session a {@code train}
     * run builds: every weight must move and stay finite.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"biggan-128", "biggan-deep-128"})
    void oneTrainingIterationAtPublishedWidth(String preset, @TempDir Path dir) {
        TrainConfig config = ConfigLoader.load(preset, List.of(FAST_INIT, "training.batch_size=2",
                "training.accumulation=1", "training.d_steps=1", "training.iterations=1", "threads=2"));
        try (TrainingSession session = SessionFactory.create(config, dir)) {
            trainOnce(preset, session);
        } finally {
            Pointer.trimMemory();
        }
    }

    /** One iteration; the weight copies it compares against live in a scope of their own. */
    private static void trainOnce(String preset, TrainingSession session) {
        NativeMemory.scoped(() -> {
            Map<String, Tensor> g0 = StateDict.copyOf(session.generator());
            Map<String, Tensor> d0 = StateDict.copyOf(session.discriminator());
            StepMetrics metrics = NativeMemory.scoped(() -> session.step().run(1));
            assertTrue(Double.isFinite(metrics.get("g_loss")) && Double.isFinite(metrics.get("d_loss")),
                    preset + ": losses " + metrics.values());
            assertMoved(preset + " G", g0, session.generator());
            assertMoved(preset + " D", d0, session.discriminator());
        });
    }

    private static void assertMoved(String what, Map<String, Tensor> before, Module after) {
        Map<String, Tensor> now = StateDict.of(after);
        boolean moved = false;
        for (Map.Entry<String, Tensor> e : before.entrySet()) {
            Tensor t = now.get(e.getKey());
            assertTrue(torch.isfinite(t).all().item_bool(), what + " " + e.getKey() + " not finite after the step");
            moved |= !torch.equal(t, e.getValue());
        }
        assertTrue(moved, what + ": no weight changed in the step");
    }
}
