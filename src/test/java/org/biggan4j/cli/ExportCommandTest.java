package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.SafeTensors;
import org.biggan4j.io.Npy;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportCommandTest {

    @TempDir
    Path dir;

    private static void assertSameTensors(CheckpointData a, CheckpointData b, String group) {
        Map<String, Tensor> x = a.tensorGroups().get(group);
        Map<String, Tensor> y = b.tensorGroups().get(group);
        assertEquals(x.keySet(), y.keySet(), group);
        for (String k : x.keySet()) {
            assertTrue(torch.equal(x.get(k), y.get(k)), group + "/" + k + " is bit-identical");
        }
    }

    @Test
    void anImportedModelExportsAndReimportsIdentically() throws Exception {
        Path ckpt = dir.resolve("imported.b4j");
        assertEquals(0, Cli.run("import", "--format", "biggan-pytorch", "--in", ImportCommandTest.fixture("G.pth")
                .toString(), "--out", ckpt.toString()).code());
        Path first = dir.resolve("first.safetensors");
        Cli.Run export = Cli.run("export", ckpt.toString(), "--out", first.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().contains("[generator, standing_generator_t0]"), export.out());

        Path again = dir.resolve("again.b4j");
        Cli.Run back = Cli.run("import", "--format", "safetensors", "--in", first.toString(), "--out", again.toString());
        assertEquals(0, back.code(), back.err());
        CheckpointData original = CheckpointFile.read(ckpt, ComputeDevice.CPU);
        CheckpointData reimported = CheckpointFile.read(again, ComputeDevice.CPU);
        assertEquals(original.tensorGroups().keySet(), reimported.tensorGroups().keySet());
        for (String group : original.tensorGroups().keySet()) {
            assertSameTensors(original, reimported, group);
        }
        assertEquals(original.state(), reimported.state());
        assertEquals(original.provenance(), reimported.provenance());

        Path second = dir.resolve("second.safetensors");
        assertEquals(0, Cli.run("export", again.toString(), "--out", second.toString()).code());
        assertTrue(Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(second)), "the same bytes again");

        // The re-imported checkpoint samples the reference images like the first import.
        Path samples = dir.resolve("samples.npy");
        assertEquals(0, Cli.run("sample", again.toString(), "--z", ImportCommandTest.fixture("z.npy").toString(),
                "--classes", "0,207,409,999", "--npy", samples.toString()).code());
        double error = Npy.read(samples, ComputeDevice.CPU).sub(Npy.read(ImportCommandTest.fixture("out.npy"),
                ComputeDevice.CPU)).abs().max().item_double();
        assertTrue(error <= 1e-4, "max abs difference to out.npy " + error);
    }

    @Test
    void anImportedBigGanDeepSurvivesExportAndReimport() throws Exception {
        Path folder = Path.of(ExportCommandTest.class.getResource("/fixtures/pretrained-biggan-deep/config.json").toURI())
                .getParent();
        Path ckpt = dir.resolve("deep.b4j");
        assertEquals(0, Cli.run("import", "--format", "hf-biggan-deep", "--in", folder.toString(), "--out",
                ckpt.toString()).code());
        Path file = dir.resolve("deep.safetensors");
        assertEquals(0, Cli.run("export", ckpt.toString(), "--out", file.toString()).code());
        Path back = dir.resolve("deep-back.b4j");
        assertEquals(0, Cli.run("import", "--format", "safetensors", "--in", file.toString(), "--out", back.toString())
                .code());
        Path samples = dir.resolve("deep.npy");
        Cli.Run r = Cli.run("sample", back.toString(), "--z", folder.resolve("z_t0.400.npy").toString(), "--classes",
                "0,207,409,999", "--truncation", "0.4", "--npy", samples.toString());
        assertEquals(0, r.code(), r.err());
        double error = Npy.read(samples, ComputeDevice.CPU).sub(Npy.read(folder.resolve("out_t0.400.npy"),
                ComputeDevice.CPU)).abs().max().item_double();
        assertTrue(error <= 1e-4, "max abs difference to out_t0.400.npy " + error);
    }

    @Test
    void aTrainedRunExportsItsModelsWithTheArchitectureAndWithoutTrainingState() throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--preset", "fmnist-demo", "--out", run.toString(), "--set", "model.ch=4",
                "--set", "training.batch_size=8", "--set", "training.iterations=2", "--set", "training.ema_start=1",
                "--set", "output.sample_every=0", "--set", "output.eval_every=0").code());
        Path file = dir.resolve("run.safetensors");
        Cli.Run r = Cli.run("export", run.toString(), "--out", file.toString(), "--with-discriminator");
        assertEquals(0, r.code(), r.err());
        SafeTensors.Contents contents = SafeTensors.read(Files.readAllBytes(file), ComputeDevice.CPU, file.toString());
        ObjectMapper json = new ObjectMapper();
        assertEquals(List.of("generator", "discriminator", "generator_ema"),
                Arrays.asList(json.readValue(contents.metadata().get("groups"), String[].class)));
        assertTrue(contents.tensors().keySet().stream().allMatch(k -> k.startsWith("generator/")
                || k.startsWith("generator_ema/") || k.startsWith("discriminator/")), "no optimiser state");
        JsonNode architecture = json.readTree(contents.metadata().get("architecture"));
        assertEquals(32, architecture.path("resolution").asInt());
        assertEquals(10, architecture.path("classes").asInt());
        JsonNode state = json.readTree(contents.metadata().get("state"));
        assertEquals("T-shirt/top", state.path("class_names").get(0).asText());
        assertEquals(4, json.readTree(contents.metadata().get("config")).path("model").path("ch").asInt());

        Path back = dir.resolve("back.b4j");
        assertEquals(0, Cli.run("import", "--format", "safetensors", "--in", file.toString(), "--out", back.toString())
                .code());
        Cli.Run sample = Cli.run("sample", back.toString(), "--class", "bag", "-n", "2", "--npy",
                dir.resolve("bags.npy").toString());
        assertEquals(0, sample.code(), sample.err());
        assertTrue(sample.out().contains("G_ema"), sample.out());
    }

    @Test
    void foreignOrDamagedFilesAreRefusedAndNothingIsWritten() throws Exception {
        Path foreign = dir.resolve("foreign.safetensors");
        Files.write(foreign, SafeTensors.toBytes(Map.of("w", torch.ones(new long[] {2})), Map.of()));
        Path out = dir.resolve("out.b4j");
        Cli.Run r = Cli.run("import", "--format", "safetensors", "--in", foreign.toString(), "--out", out.toString());
        assertEquals(2, r.code()); // bad input (issue 19: one exit code for every reader)
        assertTrue(r.err().contains("not a biggan4j export"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, new byte[] {1, 2, 3});
        Cli.Run t = Cli.run("import", "--format", "safetensors", "--in", truncated.toString(), "--out", out.toString());
        assertEquals(2, t.code());
        assertTrue(t.err().contains("truncated.safetensors"), t.err());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temp files left");
        }
    }
}
