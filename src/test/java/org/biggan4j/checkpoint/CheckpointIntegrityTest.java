package org.biggan4j.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorIndex;
import org.bytedeco.pytorch.TensorIndexVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a checkpoint proves about itself on read (issue 19), and how the store uses it. */
public class CheckpointIntegrityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static CheckpointData sample(long iteration) {
        Map<String, Tensor> g = new LinkedHashMap<>();
        g.put("w", Tensors.randn(ComputeDevice.CPU, 8, 8));
        g.put("b", Tensors.randn(ComputeDevice.CPU, 8));
        Map<String, Tensor> d = Map.of("w", Tensors.randn(ComputeDevice.CPU, 4, 4));
        Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
        groups.put("generator", g);
        groups.put("discriminator", d);
        return new CheckpointData(iteration, "{\"seed\": 5}", Provenance.current(5, "test-data"),
                CheckpointFileTest.loaderAt(0, 3), Map.of("fid", 10.0), groups, Map.of());
    }

    /** Rewrites one entry of a checkpoint zip, leaving every other entry's bytes as they were. */
    public static void rewrite(Path file, String entry, UnaryOperator<byte[]> change) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        }
        entries.put(entry, change.apply(entries.get(entry)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        Files.write(file, out.toByteArray());
    }

    /** Changes the manifest as JSON. */
    public static void editManifest(Path file, Consumer<ObjectNode> edit) throws Exception {
        rewrite(file, "manifest.json", bytes -> {
            try {
                ObjectNode m = (ObjectNode) JSON.readTree(bytes);
                edit.accept(m);
                return JSON.writeValueAsBytes(m);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Flips one bit in the data section (past the header) of a safetensors entry. */
    public static byte[] flipDataBit(byte[] safetensors) {
        byte[] out = safetensors.clone();
        long header = ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        out[(int) (8 + header + 5)] ^= 0x10;
        return out;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aFlippedBitInsideATensorIsRefusedNamingTheFileAndTheGroup(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.b4j");
        CheckpointFile.write(file, sample(7));
        CheckpointFile.verify(file);
        rewrite(file, "tensors/generator.safetensors", CheckpointIntegrityTest::flipDataBit);

        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file, ComputeDevice.CPU));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("tensors/generator.safetensors")
                && e.getMessage().contains("SHA-256"), e.getMessage());
        // The manifest alone still reads: it is the tensors that are damaged.
        assertEquals(7, CheckpointFile.manifest(file).path("iteration").asLong());
    }

    @Test
    void aNonFiniteWeightIsRefusedOnLoadEvenWithMatchingChecksums(@TempDir Path dir) throws Exception {
        // As a buggy or hostile writer would make it: NaN in a weight, and checksums to match.
        Path file = dir.resolve("ckpt.b4j");
        CheckpointFile.write(file, sample(7));
        byte[][] poisoned = new byte[1][];
        rewrite(file, "tensors/generator.safetensors", bytes -> {
            Map<String, Tensor> g = new LinkedHashMap<>(SafeTensors.read(bytes, ComputeDevice.CPU, "x").tensors());
            Tensor b = g.get("b").clone();
            b.index_put_(new TensorIndexVector(new TensorIndex(2)),
                    new Scalar(Float.NaN));
            g.put("b", b);
            poisoned[0] = SafeTensors.toBytes(g, Map.of("group", "generator"));
            return poisoned[0];
        });
        String digest = sha256(poisoned[0]);
        editManifest(file, m -> {
            ObjectNode rec = (ObjectNode) m.path("entries").path("tensors/generator.safetensors");
            rec.put("sha256", digest);
            rec.put("bytes", poisoned[0].length);
        });
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file, ComputeDevice.CPU));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("'generator.b'")
                && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void aManifestFieldOfTheWrongTypeIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.b4j");
        CheckpointFile.write(file, sample(7));
        editManifest(file, m -> m.put("iteration", "seven"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.manifest(file));
        assertTrue(e.getMessage().contains("'iteration'") && e.getMessage().contains("\"seven\""), e.getMessage());

        CheckpointFile.write(file, sample(7));
        editManifest(file, m -> m.putArray("tensor_groups").add("../../etc/passwd"));
        CheckpointException path = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file, ComputeDevice.CPU));
        assertTrue(path.getMessage().contains("'tensor_groups[0]'"), path.getMessage());

        CheckpointFile.write(file, sample(7));
        editManifest(file, m -> m.remove("entries"));
        CheckpointException entries = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file, ComputeDevice.CPU));
        assertTrue(entries.getMessage().contains("'entries'"), entries.getMessage());
    }

    @Test
    void aVersionOneFileWithoutChecksumsStillReads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.b4j");
        CheckpointData data = sample(7);
        CheckpointFile.write(file, data);
        editManifest(file, m -> {
            m.put("version", 1);
            m.remove("entries");
        });
        CheckpointData back = CheckpointFile.read(file, ComputeDevice.CPU);
        assertTrue(torch.equal(data.tensorGroups().get("generator").get("w"), back.group("generator", "t").get("w")));
    }

    @Test
    void latestWalksBackPastACheckpointWhoseTensorsAreDamaged(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 5, "");
        for (long it = 1; it <= 3; it++) {
            store.save(sample(it));
        }
        assertEquals(store.pathFor(3), store.latest().orElseThrow());
        rewrite(store.pathFor(3), "tensors/discriminator.safetensors", CheckpointIntegrityTest::flipDataBit);
        assertEquals(store.pathFor(2), store.latest().orElseThrow(), "the damaged newest one is skipped");
        Files.write(store.pathFor(2), new byte[] {'P', 'K', 3, 4});
        assertEquals(store.pathFor(1), store.latest().orElseThrow(), "and a truncated one too");
    }

    @Test
    void staleTemporariesOfCheckpointsAreRemovedAndNothingElse(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 5, "fid");
        store.save(sample(1));
        Path ckpts = store.directory();
        List<String> ours = List.of(".ckpt-000000002.b4j.1f2e3d4c5b6a7980.tmp", ".best.b4j.a1.tmp", ".best.b4j.tmp");
        List<String> others = List.of(".notes.txt.1f.tmp", "ckpt-000000002.b4j.tmp", ".ckpt-000000002.b4j.xyz.tmp",
                "mine.tmp", ".best.b4j");
        for (String name : Stream.concat(ours.stream(), others.stream()).toList()) {
            Files.writeString(ckpts.resolve(name), "partial");
        }
        List<Path> removed = store.removeStaleTemporaries();
        assertEquals(ours.stream().sorted().toList(), removed.stream().map(p -> p.getFileName().toString()).sorted().toList());
        for (String name : others) {
            assertTrue(Files.exists(ckpts.resolve(name)), name + " is not ours and stays");
        }
        assertTrue(Files.exists(store.pathFor(1)) && Files.exists(ckpts.resolve("best.b4j")));
    }

    @Test
    void aDamagedBestCheckpointDoesNotStopTheStoreAndIsReplaced(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 5, "fid");
        store.save(sample(1));
        Files.write(store.directory().resolve("best.b4j"), new byte[] {'P', 'K', 5, 6});
        CheckpointStore reopened = new CheckpointStore(dir, 5, "fid");
        reopened.save(sample(2));
        assertEquals(2, CheckpointFile.manifest(store.directory().resolve("best.b4j")).path("iteration").asLong());
    }

    @Test
    void aManifestThatDoesNotMatchItsZipCrcIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.b4j");
        CheckpointFile.write(file, sample(7));
        byte[] bytes = Files.readAllBytes(file);
        // The central directory record of manifest.json: signature PK\1\2, CRC-32 at offset 16.
        byte[] name = "manifest.json".getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + 46 + name.length <= bytes.length && at < 0; i++) {
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 1 && bytes[i + 3] == 2
                    && Arrays.equals(Arrays.copyOfRange(bytes, i + 46, i + 46 + name.length), name)) {
                at = i;
            }
        }
        assertTrue(at >= 0);
        bytes[at + 16] ^= 1;
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.manifest(file));
        assertTrue(e.getMessage().contains("manifest.json fails its CRC-32 check"), e.getMessage());
    }
}
