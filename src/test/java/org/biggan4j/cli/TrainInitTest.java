package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code biggan4j train --init}: fine-tuning starts from another checkpoint's weights. */
class TrainInitTest {

    @TempDir
    static Path dir;
    private static Path source;

    private static final String[] TINY = {"--set", "model.ch=4", "--set", "training.batch_size=8", "--set",
            "training.ema_start=1", "--set", "output.sample_every=0", "--set", "output.eval_every=0"};

    private static Cli.Run train(Path out, String... more) {
        String[] args = new String[3 + TINY.length + more.length];
        args[0] = "train";
        args[1] = "--out";
        args[2] = out.toString();
        System.arraycopy(TINY, 0, args, 3, TINY.length);
        System.arraycopy(more, 0, args, 3 + TINY.length, more.length);
        return Cli.run(args);
    }

    private static CheckpointData latest(Path run) {
        return CheckpointFile.read(new CheckpointStore(run, 1, "").latest().orElseThrow(), ComputeDevice.CPU);
    }

    private static double maxDifference(Map<String, Tensor> a, Map<String, Tensor> b, String name) {
        return a.get(name).sub(b.get(name)).abs().max().item_double();
    }

    @BeforeAll
    static void trainSource() {
        source = dir.resolve("source");
        Cli.Run r = train(source, "--preset", "fmnist-demo", "--set", "training.iterations=3");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void aNewRunStartsFromTheCheckpointsWeights() {
        Path tuned = dir.resolve("tuned");
        // A learning rate so small that one step leaves the weights where they started.
        Cli.Run r = train(tuned, "--preset", "fmnist-demo", "--init", source.toString(), "--set",
                "training.iterations=1", "--set", "optimizer.generator.lr=1e-12", "--set",
                "optimizer.discriminator.lr=1e-12");
        assertEquals(0, r.code(), r.err());
        CheckpointData from = latest(source);
        CheckpointData to = latest(tuned);
        assertEquals(1, to.iteration(), "a new run, not a resumed one");
        Map<String, Tensor> g = from.tensorGroups().get("generator");
        for (String name : g.keySet()) {
            if (name.endsWith("weight") && !name.contains("bn")) {
                assertTrue(maxDifference(g, to.tensorGroups().get("generator"), name) < 1e-6, name);
                assertTrue(maxDifference(g, to.tensorGroups().get("generator_ema"), name) < 1e-6, "G_ema " + name);
            }
        }
        Map<String, Tensor> d = from.tensorGroups().get("discriminator");
        String anyD = d.keySet().stream().filter(k -> k.endsWith("weight")).findFirst().orElseThrow();
        assertTrue(maxDifference(d, to.tensorGroups().get("discriminator"), anyD) < 1e-6, "D from the checkpoint");

        // Without --init the same configuration starts elsewhere.
        Path fresh = dir.resolve("fresh");
        assertEquals(0, train(fresh, "--preset", "fmnist-demo", "--set", "training.iterations=1", "--seed", "99").code());
        String anyG = g.keySet().stream().filter(k -> k.endsWith("weight") && !k.contains("bn")).findFirst().orElseThrow();
        assertTrue(maxDifference(g, latest(fresh).tensorGroups().get("generator"), anyG) > 1e-3);
    }

    @Test
    void dataWithOtherClassesGetFreshClassTensorsAndTheRestIsLoaded() throws Exception {
        // Twelve classes of 28 px images in the idx format (the source run had Fashion-MNIST's ten).
        Path data = dir.resolve("twelve-classes");
        Files.createDirectories(data);
        int n = 24;
        ByteBuffer images = ByteBuffer.allocate(16 + n * 28 * 28).putInt(0x803).putInt(n).putInt(28).putInt(28);
        for (int i = 0; i < n * 28 * 28; i++) {
            images.put((byte) (i * 7 + i / 784));
        }
        ByteBuffer labels = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            labels.put((byte) (i % 12));
        }
        Files.write(data.resolve("train-images-idx3-ubyte"), images.array());
        Files.write(data.resolve("train-labels-idx1-ubyte"), labels.array());

        Path tuned = dir.resolve("twelve");
        Cli.Run r = train(tuned, "--preset", "fmnist-demo", "--init", source.toString(), "--data", data.toString(),
                "--set", "training.iterations=1", "--set", "optimizer.generator.lr=1e-12", "--set",
                "optimizer.discriminator.lr=1e-12");
        assertEquals(0, r.code(), r.err());
        CheckpointData from = latest(source);
        CheckpointData to = latest(tuned);
        Map<String, Tensor> before = from.tensorGroups().get("generator");
        Map<String, Tensor> after = to.tensorGroups().get("generator");
        int fresh = 0;
        int loaded = 0;
        for (String name : before.keySet()) {
            long[] a = Tensors.shape(before.get(name));
            long[] b = Tensors.shape(after.get(name));
            if (Arrays.equals(a, b)) {
                if (name.endsWith("weight")) {
                    assertTrue(maxDifference(before, after, name) < 1e-6, name);
                    loaded++;
                }
            } else {
                assertEquals(a.length, b.length, name);
                assertTrue(Arrays.stream(a).anyMatch(x -> x == 10) && Arrays.stream(b).anyMatch(x -> x == 12),
                        name + ": only class-dependent tensors change shape, " + Arrays.toString(a) + " -> "
                                + Arrays.toString(b));
                fresh++;
            }
        }
        assertTrue(fresh > 0 && loaded > 0, fresh + " fresh, " + loaded + " loaded");
        assertArrayEquals(new long[] {1, 1, 32, 32}, Tensors.shape(
                Npy.read(sampleOne(tuned), ComputeDevice.CPU)));
    }

    private static Path sampleOne(Path run) {
        Path out = dir.resolve(run.getFileName() + "-one.npy");
        assertEquals(0, Cli.run("sample", run.toString(), "--classes", "2", "-n", "1", "--npy", out.toString()).code());
        return out;
    }

    @Test
    void initAndResumeAreExclusiveAndABadCheckpointIsOneLine() {
        Cli.Run both = train(dir.resolve("both"), "--preset", "fmnist-demo", "--init", source.toString(), "--resume");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("give only one"), both.err());
        Cli.Run missing = train(dir.resolve("missing"), "--preset", "fmnist-demo", "--init",
                dir.resolve("nowhere.b4j").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nowhere.b4j"), missing.err());
        // --set still applies after the checkpoint's model section, and a change the weights cannot take is one line.
        Cli.Run wider = train(dir.resolve("wider"), "--preset", "fmnist-demo", "--init", source.toString(), "--set",
                "model.latent_dim=7");
        assertEquals(2, wider.code(), "weights that do not fit the requested model are bad input, like any reader's refusal");
        assertTrue(wider.err().contains("'linear.weight' has shape [256, 64] but the model expects [256, 7]"),
                wider.err());
    }
}
