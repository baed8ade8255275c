package org.biggan4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.BadInputException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The .b4j reader against damaged and hostile files (issue 19): bit flips and truncation of
 * a small valid checkpoint, and its manifest's fields set to wrong types and extreme numbers.
 * Every try ends in a correct read or in one line of our own type naming the file; never
 * another exception, never an Error. The limits are lowered during the properties, so a
 * mutation that asks for a large allocation is refused instead of tried.
 */
class CheckpointFileFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static byte[] valid;

    @BeforeContainer
    static void writeValidCheckpoint() throws Exception {
        dir = Files.createTempDirectory("b4j-fuzz");
        Path file = dir.resolve("valid.b4j");
        NativeMemory.scoped(() -> {
            try {
                CheckpointFile.write(file, CheckpointIntegrityTest.sample(3));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        valid = Files.readAllBytes(file);
        System.setProperty("biggan4j.limit.entry_bytes", "1000000");
        System.setProperty("biggan4j.limit.text_bytes", "100000");
        System.setProperty("biggan4j.limit.tensor_bytes", "1000000");
        System.setProperty("biggan4j.limit.nesting_depth", "64");
    }

    @AfterContainer
    static void cleanUp() throws Exception {
        for (String limit : List.of("entry_bytes", "text_bytes", "tensor_bytes", "nesting_depth")) {
            System.clearProperty("biggan4j.limit." + limit);
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Property(tries = 150, seed = "19004")
    void bitFlipsAreReadOrRefusedInOneLine(@ForAll("offsets") List<Integer> offsets, @ForAll("bits") int bit) throws Exception {
        byte[] bytes = valid.clone();
        for (int offset : offsets) {
            bytes[offset % bytes.length] ^= (byte) (1 << bit);
        }
        check("flipped.b4j", bytes);
    }

    @Property(tries = 60, seed = "19005")
    void truncationsAreRefusedInOneLine(@ForAll("offsets") List<Integer> offsets) throws Exception {
        byte[] bytes = Arrays.copyOf(valid, offsets.get(0) % valid.length);
        check("truncated.b4j", bytes);
    }

    @Property(tries = 120, seed = "19006")
    void manifestFieldsOfWrongTypesOrHugeValuesAreRefusedInOneLine(@ForAll("fields") String field,
                                                                   @ForAll("values") String value) throws Exception {
        Path file = dir.resolve("manifest.b4j");
        Files.write(file, valid);
        CheckpointIntegrityTest.editManifest(file, m -> set(m, field, value(value)));
        check("manifest.b4j", Files.readAllBytes(file));
    }

    /** Sets a dotted field ("entries.tensors/generator.safetensors.bytes" style paths use '#'). */
    private static void set(ObjectNode manifest, String field, JsonNode value) {
        String[] path = field.split("#");
        ObjectNode node = manifest;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = node.path(path[i]);
            if (!next.isObject()) {
                return;
            }
            node = (ObjectNode) next;
        }
        node.set(path[path.length - 1], value);
    }

    /** Writes {@code bytes} and reads them as a checkpoint: correct, or one line of our own naming the file. */
    private static void check(String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        try {
            NativeMemory.scoped(() -> {
                CheckpointData data = CheckpointFile.read(file, ComputeDevice.CPU);
                // A mutation the checks let through must have left the weights it reads intact
                // (an emptied tensor_groups list is a consistent file that holds no weights).
                CheckpointData original = CheckpointFile.read(dir.resolve("valid.b4j"), ComputeDevice.CPU);
                data.tensorGroups().forEach((group, tensors) -> {
                    var expected = original.group(group, "valid.b4j");
                    assertEquals(expected.keySet(), tensors.keySet(), group);
                    tensors.forEach((k, t) -> assertTrue(torch.equal(expected.get(k), t),
                            group + "." + k + " changed"));
                });
            });
        } catch (BadInputException e) {
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e instanceof CheckpointException, "a checkpoint refusal is a CheckpointException: " + e);
        } catch (Throwable t) {
            fail("not a one-line refusal: " + t, t);
        }
    }

    @Provide
    Arbitrary<List<Integer>> offsets() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<Integer> bits() {
        return Arbitraries.integers().between(0, 7);
    }

    @Provide
    Arbitrary<String> fields() {
        return Arbitraries.of("format", "version", "iteration", "config", "provenance", "provenance#seed", "state",
                "state#loader", "metrics", "metrics#fid", "tensor_groups", "blobs", "entries",
                "entries#tensors/generator.safetensors", "entries#tensors/generator.safetensors#bytes",
                "entries#tensors/generator.safetensors#sha256", "entries#tensors/discriminator.safetensors#bytes");
    }

    /** Values by name (jqwik hashes its parameters, and a nesting bomb would overflow that). */
    @Provide
    Arbitrary<String> values() {
        return Arbitraries.of("0", "-1", "2^31", "2^63-1", "2^63", "10^40", "1e308", "-0.5", "x", "", "null", "true",
                "[]", "{}", "duplicate groups", "[3]", "64 zeros", "nesting bomb");
    }

    private static JsonNode value(String name) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (name) {
            case "0" -> f.numberNode(0);
            case "-1" -> f.numberNode(-1);
            case "2^31" -> f.numberNode(1L << 31);
            case "2^63-1" -> f.numberNode(Long.MAX_VALUE);
            case "2^63" -> f.numberNode(new BigInteger("9223372036854775808"));
            case "10^40" -> f.numberNode(new BigInteger("1" + "0".repeat(40)));
            case "1e308" -> f.numberNode(1e308);
            case "-0.5" -> f.numberNode(-0.5);
            case "null" -> f.nullNode();
            case "true" -> f.booleanNode(true);
            case "[]" -> f.arrayNode();
            case "{}" -> f.objectNode();
            case "duplicate groups" -> f.arrayNode().add("generator").add("generator");
            case "[3]" -> f.arrayNode().add(3);
            case "64 zeros" -> f.textNode("0".repeat(64));
            case "nesting bomb" -> {
                // Deeper than the limit the properties run under (64), within what the writer allows.
                ArrayNode deep = f.arrayNode();
                ArrayNode inner = deep;
                for (int i = 0; i < 500; i++) {
                    ArrayNode next = f.arrayNode();
                    inner.add(next);
                    inner = next;
                }
                yield deep;
            }
            default -> f.textNode(name);
        };
    }
}
