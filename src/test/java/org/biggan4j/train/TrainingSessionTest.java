package org.biggan4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointIntegrityTest;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.loss.CriticOutputs;
import org.biggan4j.loss.LossTerms;
import org.biggan4j.model.Discriminator;
import org.biggan4j.regularize.Regularizer;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.listener.CheckpointListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingSessionTest {

    static void assertSameState(TrainingSession a, TrainingSession b) {
        for (var pair : List.of(List.of(a.generator(), b.generator()), List.of(a.discriminator(), b.discriminator()),
                List.of(a.generatorEma(), b.generatorEma()))) {
            Map<String, Tensor> x = StateDict.of(pair.get(0));
            Map<String, Tensor> y = StateDict.of(pair.get(1));
            for (String k : x.keySet()) {
                assertTrue(torch.equal(x.get(k), y.get(k)), "tensor " + k + " differs");
            }
        }
    }

    @Test
    void resumeAfterAStopContinuesBitExactly(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(12, 100, "stop");
        try (TrainingSession straight = TinyGan.session(config, dir.resolve("straight"), new TinyGan.Hinge())) {
            new TrainingLoop(straight, List.of(), new StopSignal()).run();
            assertEquals(12, straight.iteration());

            // First half, stopped as SIGINT would stop it: the checkpoint listener writes on the way out.
            Path run = dir.resolve("resumed");
            StopSignal stop = new StopSignal();
            try (TrainingSession first = TinyGan.session(config, run, new TinyGan.Hinge())) {
                TrainingListener stopAt6 = new TrainingListener() {
                    @Override
                    public void onIteration(TrainingSession s, StepMetrics m) {
                        if (m.iteration() == 6) {
                            stop.request();
                        }
                    }
                };
                long last = new TrainingLoop(first, List.of(stopAt6, new CheckpointListener()), stop).run();
                assertEquals(6, last);
            }
            // A new process: fresh networks, restored from the newest checkpoint.
            try (TrainingSession second = TinyGan.session(config, run, new TinyGan.Hinge())) {
                Path latest = second.checkpoints().latest().orElseThrow();
                assertEquals(6, CheckpointFile.manifest(latest).path("iteration").asLong());
                second.restore(latest);
                new TrainingLoop(second, List.of(), new StopSignal()).run();
                assertEquals(12, second.iteration());
                assertSameState(straight, second);
            }
        }
    }

    @Test
    void aNonFiniteLossChangesNoWeightAndNoCheckpoint(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyGan.config(10, 2, "stop");
        TinyGan.Hinge hinge = new TinyGan.Hinge();
        try (TrainingSession s = TinyGan.session(config, dir, hinge)) {
            Map<String, Tensor>[] before = new Map[1];
            TrainingListener poisonAt5 = new TrainingListener() {
                @Override
                public void onIteration(TrainingSession session, StepMetrics m) {
                    if (m.iteration() == 4) {
                        before[0] = StateDict.copyOf(session.discriminator());
                        before[0].putAll(prefix("g.", StateDict.copyOf(session.generator())));
                        hinge.poisoned = true;
                    }
                }
            };
            NonFiniteStepException e = assertThrows(NonFiniteStepException.class,
                    () -> new TrainingLoop(s, List.of(new CheckpointListener(), poisonAt5), new StopSignal()).run());
            assertEquals(5, e.iteration());
            assertTrue(e.term().startsWith("d_"), e.term());
            assertEquals(4, s.iteration());
            Map<String, Tensor> after = StateDict.copyOf(s.discriminator());
            after.putAll(prefix("g.", StateDict.copyOf(s.generator())));
            for (String k : before[0].keySet()) {
                assertTrue(torch.equal(before[0].get(k), after.get(k)), k + " changed");
            }
            List<Path> ckpts = s.checkpoints().list();
            assertEquals(List.of(2L, 4L), ckpts.stream().map(p -> CheckpointStoreIteration.of(p)).toList());
            for (Path p : ckpts) {
                // every stored tensor is finite (the writer refuses anything else)
                var data = CheckpointFile.read(p, ComputeDevice.CPU);
                data.tensorGroups().values().forEach(g -> g.values().forEach(
                        t -> assertTrue(torch.isfinite(t).all().item_bool())));
            }
        }
    }

    @Test
    void rollbackResumesFromTheLastCheckpointWithFreshNoise(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(10, 3, "rollback");
        TinyGan.Hinge hinge = new TinyGan.Hinge();
        try (TrainingSession s = TinyGan.session(config, dir, hinge)) {
            boolean[] done = {false};
            TrainingListener poison = new TrainingListener() {
                @Override
                public void onIteration(TrainingSession session, StepMetrics m) {
                    if (m.iteration() == 4 && !done[0]) {
                        hinge.poisonCalls = 1; // the first D loss of iteration 5 is NaN, once
                        done[0] = true;
                    }
                }
            };
            long last = new TrainingLoop(s, List.of(new CheckpointListener(), poison), new StopSignal()).run();
            assertEquals(10, last);
            assertEquals(1, s.step().noiseSalt(), "the replay after a roll-back draws new noise");
        }
    }

    @Test
    void theGeneratorUpdateComputesNoGradientForTheDiscriminator(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(1, 100, "stop");
        Map<String, float[]> afterD = new LinkedHashMap<>();
        Regularizer snapshot = new Regularizer() {
            @Override public String name() { return "snapshot"; }
            @Override
            public void afterDiscriminatorStep(Discriminator d, long iteration) {
                var params = d.named_parameters();
                for (long i = 0; i < params.size(); i++) {
                    afterD.put(params.get(i).key().getString(),
                            Tensors.toFloats(params.get(i).value().grad()));
                }
            }
        };
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge(), snapshot)) {
            Map<String, Tensor> g0 = StateDict.copyOf(s.generator());
            NativeMemory.scoped(() -> s.step().run(1));
            boolean gChanged = false;
            for (var e : StateDict.of(s.generator()).entrySet()) {
                gChanged |= !torch.equal(e.getValue(), g0.get(e.getKey()));
            }
            assertTrue(gChanged, "G must be updated");
            var params = s.discriminator().named_parameters();
            for (long i = 0; i < params.size(); i++) {
                Tensor p = params.get(i).value();
                assertTrue(p.requires_grad(), "D's parameters are trainable again after the G update");
                Assertions.assertArrayEquals(afterD.get(params.get(i).key().getString()),
                        Tensors.toFloats(p.grad()), "the G update must not add to D's gradients");
            }
        }
    }

    @Test
    void discriminatorStepsBuildNoGraphThroughTheGenerator(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(1, 100, "stop");
        List<Boolean> fakeNeedsGrad = new ArrayList<>();
        TinyGan.Hinge objective = new TinyGan.Hinge() {
            @Override
            public LossTerms discriminatorLoss(CriticOutputs o) {
                fakeNeedsGrad.add(o.fakeImages().requires_grad());
                return super.discriminatorLoss(o);
            }
        };
        try (TrainingSession s = TinyGan.session(config, dir, objective)) {
            NativeMemory.scoped(() -> s.step().run(1));
        }
        // G's output carries no autograd history in D steps: nothing of G is recorded or kept.
        assertEquals(List.of(false, false), fakeNeedsGrad);
    }

    @Test
    void realAndFakeImagesShareOneDiscriminatorForwardWithTheSameResult(@TempDir Path dir) {
        TrainConfig config = TinyGan.config(1, 100, "stop");
        Map<String, Tensor> shared;
        Map<String, Tensor> separate;
        try (TrainingSession s = TinyGan.session(config, dir.resolve("shared"), new TinyGan.Hinge())) {
            NativeMemory.scoped(() -> s.step().run(1));
            // One forward per D step (2) and one in the G step, as BigGAN-PyTorch's D(cat[G(z), x]).
            assertEquals(3, ((TinyGan.TinyDiscriminator) s.discriminator()).forwards);
            shared = StateDict.copyOf(s.discriminator());
            shared.putAll(StateDict.copyOf(s.generator()));
        }
        try (TrainingSession s = TinyGan.session(config, dir.resolve("separate"), new TinyGan.Hinge())) {
            ((TinyGan.TinyDiscriminator) s.discriminator()).batchIndependent = false;
            NativeMemory.scoped(() -> s.step().run(1));
            assertEquals(5, ((TinyGan.TinyDiscriminator) s.discriminator()).forwards);
            separate = StateDict.copyOf(s.discriminator());
            separate.putAll(StateDict.copyOf(s.generator()));
        }
        assertEquals(separate.keySet(), shared.keySet());
        for (String k : shared.keySet()) {
            double diff = shared.get(k).sub(separate.get(k)).abs().max().item_double();
            assertTrue(diff < 1e-6, k + " differs by " + diff + " between one shared and two separate D forwards");
        }
    }

    @Test
    void metricsAreLoggedOncePerIterationAcrossAResume(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyGan.config(6, 2, "stop");
        StopSignal stop = new StopSignal();
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge())) {
            TrainingListener stopAt5 = new TrainingListener() {
                @Override
                public void onIteration(TrainingSession session, StepMetrics m) {
                    if (m.iteration() == 5) {
                        stop.request();
                    }
                }
            };
            new TrainingLoop(s, List.of(new MetricsLogger(), new CheckpointListener(), stopAt5), stop).run();
        }
        assertEquals(5, MetricsLogger.read(dir).size());
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge())) {
            s.restore(s.checkpoints().pathFor(4));
            new TrainingLoop(s, List.of(new MetricsLogger()), new StopSignal()).run();
        }
        var records = MetricsLogger.read(dir);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), records.stream()
                .map(r -> ((Number) r.get("iteration")).longValue()).toList());
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(7, csv.size(), "header + 6 rows");
        assertFalse(records.get(0).containsKey("wasserstein"));
        assertTrue(records.get(0).containsKey("grad_norm_d") && records.get(0).containsKey("d_real"));
    }

    /**
     * A version-1 checkpoint kept the optimisers' state as libtorch archives (blobs), which
     * only TorchScript's loader reads: it is refused, naming the fix, and resumes with fresh
     * moments when they are reset at the first resumed iteration (--resume --reset-moments both).
     */
    @Test
    void aVersionOneCheckpointWithOptimiserArchivesResumesOnlyWithFreshMoments(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyGan.config(4, 2, "stop");
        Path file;
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge())) {
            new TrainingLoop(s, List.of(new CheckpointListener()), new StopSignal()).run();
            file = s.checkpoints().pathFor(4);
        }
        // What version 1 wrote: no optimiser groups, no checksums, two opaque archives.
        Path v1 = dir.resolve("checkpoints").resolve("ckpt-000000005.b4j");
        NativeMemory.scoped(() -> {
            var data = CheckpointFile.read(file, ComputeDevice.CPU);
            var groups = new LinkedHashMap<>(data.tensorGroups());
            groups.remove(TrainingSession.OPTIMIZER_G);
            groups.remove(TrainingSession.OPTIMIZER_D);
            try {
                CheckpointFile.write(v1, new CheckpointData(4, data.configJson(),
                        data.provenance(), data.state(), data.metrics(), groups,
                        Map.of(TrainingSession.OPTIMIZER_G, new byte[] {'P', 'K'}, TrainingSession.OPTIMIZER_D,
                                new byte[] {'P', 'K'})));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        CheckpointIntegrityTest.editManifest(v1, m -> {
            m.put("version", 1);
            m.remove("entries");
        });
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge())) {
            var e = assertThrows(CheckpointException.class, () -> s.restore(v1));
            assertTrue(e.getMessage().startsWith(v1.toString()) && e.getMessage().contains("libtorch archive")
                    && e.getMessage().contains("--resume --reset-moments both"), e.getMessage());
        }
        TrainConfig reset = ConfigLoader.withOverrides(config,
                List.of("interventions.reset_moments_g_at=5", "interventions.reset_moments_d_at=5"));
        try (TrainingSession s = TinyGan.session(reset, dir, new TinyGan.Hinge())) {
            s.restore(v1);
            assertEquals(4, s.iteration());
            assertTrue(s.step().generatorOptimizer().state().isEmpty(), "fresh moments");
        }
    }

    /** config.yaml, written from one place, reads back as the configuration it was written from. */
    @Test
    void theRunFoldersConfigFileReadsBackAsTheConfiguration(@TempDir Path dir) throws Exception {
        TrainConfig config = ConfigLoader.withOverrides(TinyGan.config(3, 1, "stop"),
                List.of("training.d_steps=3"));
        TrainingSession.writeConfigFile(dir, config);
        Path file = dir.resolve(TrainingSession.CONFIG_FILE);
        assertEquals(config, ConfigLoader.load(file.toString(), List.of()));
    }

    @Test
    void aLoaderPositionOfTheWrongTypeIsOneLineNamingTheField(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyGan.config(2, 2, "stop");
        Path file;
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge())) {
            new TrainingLoop(s, List.of(new CheckpointListener()), new StopSignal()).run();
            file = s.checkpoints().pathFor(2);
        }
        CheckpointIntegrityTest.editManifest(file, m -> ((ObjectNode)
                m.path("state")).putObject("loader").put("epoch", "three"));
        try (TrainingSession s = TinyGan.session(config, dir, new TinyGan.Hinge())) {
            var e = assertThrows(CheckpointException.class, () -> s.restore(file));
            assertTrue(e.getMessage().contains("'state.loader.epoch'") && e.getMessage().contains("\"three\""),
                    e.getMessage());
        }
    }

    private static Map<String, Tensor> prefix(String p, Map<String, Tensor> m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(p + k, v));
        return out;
    }

    /** Reads the iteration from a checkpoint file name. */
    static final class CheckpointStoreIteration {
        static long of(Path p) {
            return CheckpointStore.iterationOf(p);
        }
    }
}
