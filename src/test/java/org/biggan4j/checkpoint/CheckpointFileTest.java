package org.biggan4j.checkpoint;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointFileTest {

    private static CheckpointData sample(Map<String, Tensor> generator) {
        return new CheckpointData(1234, "{\"seed\": 5}", Provenance.current(5, "test-data"),
                loaderAt(3, 17), Map.of("fid", 12.5),
                Map.of("generator", generator), Map.of("optimizer_generator", new byte[] {1, 2, 3}));
    }

    static RunState loaderAt(long epoch, long index) {
        return new RunState(Map.of("epoch", epoch, "index", index), List.of(), null, 0, List.of(), Map.of(),
                Map.of());
    }

    @Test
    void roundTripsTensorsBitExactlyWithEverythingElse(@TempDir Path dir) throws Exception {
        Map<String, Tensor> g = new LinkedHashMap<>();
        g.put("w", Tensors.randn(ComputeDevice.CPU, 3, 4));
        g.put("steps", Tensors.fromLongs(new long[] {7, 8}, ComputeDevice.CPU, 2));
        g.put("scalar", Tensors.fromDoubles(new double[] {Math.PI}, ComputeDevice.CPU));
        g.put("half", Tensors.randn(ComputeDevice.CPU, 5).to(torch.ScalarType.BFloat16));
        Path file = dir.resolve("ckpt.b4j");
        CheckpointFile.write(file, sample(g));

        CheckpointData back = CheckpointFile.read(file, ComputeDevice.CPU);
        assertEquals(1234, back.iteration());
        assertEquals(5, back.provenance().seed());
        assertEquals("test-data", back.provenance().dataSource());
        assertEquals(12.5, back.metrics().get("fid"));
        assertEquals(Map.of("epoch", 3L, "index", 17L), back.state().loader());
        assertArrayEquals(new byte[] {1, 2, 3}, back.blobs().get("optimizer_generator"));
        Map<String, Tensor> g2 = back.group("generator", "test");
        assertEquals(List.of("w", "steps", "scalar", "half"), List.copyOf(g2.keySet()));
        for (String k : g.keySet()) {
            assertTrue(torch.equal(g.get(k), g2.get(k)), k);
            assertEquals(Tensors.dtype(g.get(k)), Tensors.dtype(g2.get(k)), k);
        }
        assertEquals(0, Tensors.shape(g2.get("scalar")).length);
    }

    @Test
    void refusesNonFiniteTensorsAndWritesNothing(@TempDir Path dir) throws Exception {
        Map<String, Tensor> g = Map.of("w", Tensors.fromFloats(new float[] {1, Float.NaN}, ComputeDevice.CPU, 2));
        Path file = dir.resolve("ckpt.b4j");
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> CheckpointFile.write(file, sample(g)));
        assertTrue(e.getMessage().contains("generator.w"), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "no checkpoint and no temp file may remain");
        }
    }

    @Test
    void truncatedAndForeignFilesGiveOneClearLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.b4j");
        CheckpointFile.write(file, sample(Map.of("w", Tensors.randn(ComputeDevice.CPU, 64, 64))));
        byte[] bytes = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.b4j");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(cut, ComputeDevice.CPU));
        assertTrue(e.getMessage().contains("cut.b4j"), e.getMessage());

        Path text = dir.resolve("notes.b4j");
        Files.writeString(text, "not a checkpoint");
        assertThrows(CheckpointException.class, () -> CheckpointFile.read(text, ComputeDevice.CPU));
        assertThrows(CheckpointException.class, () -> CheckpointFile.read(dir.resolve("missing.b4j"), ComputeDevice.CPU));
    }

    @Test
    void safetensorsRejectsCorruptHeaders() {
        byte[] good = SafeTensors.toBytes(Map.of("a", Tensors.randn(ComputeDevice.CPU, 4)), Map.of("k", "v"));
        SafeTensors.Contents c = SafeTensors.read(good, ComputeDevice.CPU, "good");
        assertEquals("v", c.metadata().get("k"));
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafeTensors.read(truncated, ComputeDevice.CPU, "bad.safetensors"));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("'a'"), e.getMessage());
        byte[] hostile = good.clone();
        hostile[7] = 0x7f; // header length far beyond the file
        assertThrows(CheckpointException.class, () -> SafeTensors.read(hostile, ComputeDevice.CPU, "x"));
    }

    @Test
    void stateDictLoadNamesTheFirstMismatchedTensor() {
        LinearImpl a = new LinearImpl(4, 3);
        LinearImpl b = new LinearImpl(4, 3);
        StateDict.load(b, StateDict.copyOf(a), "a");
        assertTrue(torch.equal(a.weight(), b.weight()));

        LinearImpl wide = new LinearImpl(5, 3);
        CheckpointException shape = assertThrows(CheckpointException.class,
                () -> StateDict.load(wide, StateDict.copyOf(a), "ckpt.b4j: generator"));
        assertTrue(shape.getMessage().contains("'weight'") && shape.getMessage().contains("[3, 4]")
                && shape.getMessage().contains("[3, 5]"), shape.getMessage());

        Map<String, Tensor> missing = new LinkedHashMap<>(StateDict.copyOf(a));
        missing.remove("bias");
        CheckpointException gone = assertThrows(CheckpointException.class, () -> StateDict.load(b, missing, "x"));
        assertTrue(gone.getMessage().contains("'bias'"), gone.getMessage());
        Map<String, Tensor> extra = new LinkedHashMap<>(StateDict.copyOf(a));
        extra.put("gamma", Tensors.randn(ComputeDevice.CPU, 1));
        CheckpointException more = assertThrows(CheckpointException.class, () -> StateDict.load(b, extra, "x"));
        assertTrue(more.getMessage().contains("'gamma'"), more.getMessage());
        assertFalse(torch.equal(wide.weight().narrow(1, 0, 4), a.weight()), "a failed load changes nothing");
    }
}
