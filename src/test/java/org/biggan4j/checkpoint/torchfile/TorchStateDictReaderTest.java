package org.biggan4j.checkpoint.torchfile;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchStateDictReaderTest {

    static Path fixture(String name) throws Exception {
        return Path.of(TorchStateDictReaderTest.class.getResource("/fixtures/" + name).toURI());
    }

    static List<String> keys(String listing) throws Exception {
        return Files.readAllLines(fixture(listing)).stream().filter(l -> !l.isBlank())
                .map(l -> l.split("\t")[0]).toList();
    }

    @Test
    void readsTheZipContainerWithEveryKeyInOrder() throws Exception {
        LinkedHashMap<String, Tensor> g = TorchStateDictReader.read(fixture("biggan-pytorch/G.pth"), ComputeDevice.CPU);
        assertEquals(166, g.size());
        assertEquals(keys("biggan-pytorch/keys-128-ch96.txt"), List.copyOf(g.keySet()));
        // G_ch 6: the first linear layer maps a 20-value z slot to 16 * 6 * 4 * 4 = 1536 values.
        assertArrayEquals(new long[] {1536, 20}, Tensors.shape(g.get("linear.weight")));
        assertArrayEquals(new long[] {1000, 128}, Tensors.shape(g.get("shared.weight")));
        assertEquals(0, Tensors.shape(g.get("blocks.3.1.gamma")).length, "gamma is zero-dimensional here");

        LinkedHashMap<String, Tensor> deep = TorchStateDictReader.read(
                fixture("pretrained-biggan-deep/pytorch_model.bin"), ComputeDevice.CPU);
        assertEquals(506, deep.size());
        assertEquals(keys("pretrained-biggan-deep/keys-128.txt"), List.copyOf(deep.keySet()));
        assertArrayEquals(new long[] {128, 1000}, Tensors.shape(deep.get("embeddings.weight")));
    }

    @Test
    void readsTheLegacyContainerToTheSameTensors() throws Exception {
        LinkedHashMap<String, Tensor> zip = TorchStateDictReader.read(fixture("biggan-pytorch/G.pth"), ComputeDevice.CPU);
        LinkedHashMap<String, Tensor> legacy = TorchStateDictReader.read(fixture("biggan-pytorch/G_ema.pth"),
                ComputeDevice.CPU);
        assertEquals(List.copyOf(zip.keySet()), List.copyOf(legacy.keySet()));
        for (String k : zip.keySet()) {
            assertTrue(torch.equal(zip.get(k), legacy.get(k)), k);
        }
    }

    @Test
    void truncatedFilesFailWithTheFileNamed(@TempDir Path dir) throws Exception {
        for (String name : List.of("G.pth", "G_ema.pth")) {
            byte[] bytes = Files.readAllBytes(fixture("biggan-pytorch/" + name));
            Path cut = dir.resolve("cut-" + name);
            Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1000));
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> TorchStateDictReader.read(cut, ComputeDevice.CPU));
            assertTrue(e.getMessage().contains(cut.getFileName().toString()), e.getMessage());
        }
        assertThrows(CheckpointException.class, () -> TorchStateDictReader.read(dir.resolve("none.pth"), ComputeDevice.CPU));
    }

    @Test
    void refusesPicklesThatReachForOtherGlobals(@TempDir Path dir) throws Exception {
        // protocol 2: GLOBAL os.system, a string argument, TUPLE1, REDUCE, STOP
        byte[] hostile = {(byte) 0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n',
                'X', 2, 0, 0, 0, 'l', 's', (byte) 0x85, 'R', '.'};
        Path file = dir.resolve("evil.pth");
        Files.write(file, hostile);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TorchStateDictReader.read(file, ComputeDevice.CPU));
        assertTrue(e.getMessage().contains("os.system"), e.getMessage());
    }
}
