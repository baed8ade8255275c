package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.CheckpointStore;
import org.biggan4j.image.PngFiles;
import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tuning a published model on a user's folder of images ({@code train --init}, issue 23): the
 * imported BigGAN-deep fixture (1000 ImageNet classes) onto 12 classes of RGB images with the
 * {@code biggan-deep-128-finetune} preset.
 */
class TrainFineTuneTest {

    /** A class-per-folder tree of {@code classes} x {@code perClass} small RGB images. */
    static Path imageFolder(Path dir, int classes, int perClass) throws Exception {
        Path root = Files.createDirectories(dir.resolve("my-images"));
        for (int c = 0; c < classes; c++) {
            Path folder = Files.createDirectories(root.resolve(String.format("class-%02d", c)));
            for (int k = 0; k < perClass; k++) {
                BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        image.setRGB(x, y, ((c * 20) << 16) | ((x * 15 + k * 3) << 8) | (y * 15));
                    }
                }
                PngFiles.write(image, folder.resolve("img-" + k + ".png"));
            }
        }
        return root;
    }

    @Test
    void anImportedBigGanDeepFineTunesOntoTwelveClassesWithFreshClassTensors(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("deep.b4j");
        Cli.Run imported = Cli.run("import", "--format", "hf-biggan-deep", "--in",
                ImportCommandTest.deepFixture("").toString(), "--out", ckpt.toString());
        assertEquals(0, imported.code(), imported.err());
        Path data = imageFolder(dir, 12, 2);
        Path run = dir.resolve("run");
        // A learning rate so small that the weights stay where --init put them (to 1e-6), and
        // freeze_d_blocks=0: the published model has no D to freeze (the preset's FreezeD needs one).
        // Small batches, one D step and a one-image sheet: 128 px with attention at 64 px is slow on a CPU.
        Cli.Run r = Cli.run("train", "--preset", "biggan-deep-128-finetune", "--init", ckpt.toString(), "--data",
                data.toString(), "--out", run.toString(), "--set", "training.batch_size=2", "--set",
                "training.d_steps=1", "--set", "training.iterations=2", "--set", "training.freeze_d_blocks=0",
                "--set", "output.log_every=1", "--set", "output.sample_every=0", "--set", "output.sample_rows=1",
                "--set", "output.sample_columns=1", "--set", "output.standing_stats=1", "--set",
                "optimizer.generator.lr=1e-12", "--set", "optimizer.discriminator.lr=1e-12", "--set",
                "regularizers.lecam_start=1");
        assertEquals(0, r.code(), r.err());

        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(2, lines.size(), "one record per iteration");
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode m = json.readTree(line);
            for (String key : List.of("d_loss", "g_loss", "grad_norm_d", "grad_norm_g")) {
                assertTrue(m.path(key).isNumber() && Double.isFinite(m.path(key).asDouble()), key + " in " + line);
            }
        }
        assertTrue(json.readTree(lines.get(1)).has("d_penalty_lecam"), "LeCam acts after lecam_start: " + lines.get(1));

        CheckpointData from = CheckpointFile.read(ckpt, ComputeDevice.CPU);
        CheckpointData to = CheckpointFile.read(new CheckpointStore(run, 1, "").latest().orElseThrow(),
                ComputeDevice.CPU);
        assertEquals(2, to.iteration());
        assertEquals(12, to.state().model().classes());
        Map<String, Tensor> before = from.group("generator", "import");
        Map<String, Tensor> after = to.group("generator", "run");
        int fresh = 0;
        int loaded = 0;
        int tables = 0;
        for (String name : before.keySet()) {
            if (name.endsWith(".running_means")) {
                // The published statistics tables became running statistics, started from their
                // truncation-1 row (training updated them since: compare before any moved far).
                String single = name.substring(0, name.length() - 1);
                Tensor table = before.get(name);
                assertArrayEquals(Tensors.shape(table.select(0, table.size(0) - 1)), Tensors.shape(after.get(single)),
                        single);
                tables++;
                continue;
            }
            if (!after.containsKey(name)) {
                assertTrue(name.endsWith(".running_vars"), name + " is missing from the fine-tuned G");
                continue;
            }
            long[] a = Tensors.shape(before.get(name));
            long[] b = Tensors.shape(after.get(name));
            if (Arrays.equals(a, b)) {
                if (name.endsWith("weight") && !name.contains("bn")) {
                    double diff = before.get(name).sub(after.get(name)).abs().max().item_double();
                    assertTrue(diff < 1e-6, name + " moved by " + diff);
                    loaded++;
                }
            } else {
                assertTrue(a[0] == 1000 && b[0] == 12 || a[a.length - 1] == 1000 && b[b.length - 1] == 12,
                        name + ": only class-dependent tensors change shape, " + Arrays.toString(a) + " -> "
                                + Arrays.toString(b));
                fresh++;
            }
        }
        assertTrue(fresh > 0 && loaded > 10 && tables > 0, fresh + " fresh, " + loaded + " loaded, " + tables
                + " statistics tables");
        assertFalse(to.tensorGroups().get("discriminator").isEmpty(), "a D was trained (fresh: the import has none)");
        // The run's samples are 128 px RGB images of the new classes.
        Path out = dir.resolve("one.npy");
        Cli.Run sample = Cli.run("sample", run.toString(), "--classes", "11", "-n", "1", "--npy", out.toString());
        assertEquals(0, sample.code(), sample.err());
        assertArrayEquals(new long[] {1, 3, 128, 128}, Tensors.shape(Npy.read(out, ComputeDevice.CPU)));
    }
}
