package org.biggan4j.checkpoint.torchfile;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.HostileInput;
import org.biggan4j.checkpoint.torchfile.TorchFiles.Pickle;
import org.biggan4j.checkpoint.torchfile.TorchFiles.View;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's reader contract for torch.save files: mutated zip and legacy files, mutated pickles
 * (hand-made and the BigGAN-PyTorch fixture's), and the hostile cases the issue met.
 */
class TorchStateDictReaderFuzzTest {

    /** Not a JUnit @TempDir: jqwik properties run outside JUnit's lifecycle. Files are deleted after each read. */
    static final Path dir = HostileInput.tempDir("torch-fuzz");


    /** Two views of one storage of 8 floats: w = [[0, 1, 2], [3, 4, 5]] and b = [6, 7] at offset 6. */
    static final View[] VIEWS = {
            new View("w", "0", 8, 0, new long[] {2, 3}, new long[] {3, 1}),
            new View("b", "0", 8, 6, new long[] {2}, new long[] {1})};

    static Map<String, byte[]> storage() {
        return Map.of("0", TorchFiles.floats(8));
    }

    static LinkedHashMap<String, Tensor> read(Path file) {
        return TorchStateDictReader.read(file, ComputeDevice.CPU);
    }

    static CheckpointException refused(Path file) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> {
            try (PointerScope scope = new PointerScope()) {
                read(file);
            }
        });
        HostileInput.assertOneLine(e, file, "hand-made file");
        return e;
    }

    static void fuzz(String name, byte[] bytes, long seed) throws Exception {
        Path file = TorchFiles.write(dir.resolve(name), bytes);
        // A 1 MiB tensor limit: a mutated file of a few hundred bytes must never allocate more.
        try {
            HostileInput.withLimit("tensor_bytes", 1 << 20, () -> HostileInput.readOrRefused(file, seed, () -> {
                try (PointerScope scope = new PointerScope()) {
                    read(file);
                }
            }));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Property(tries = 300, seed = "19101")
    void mutatedZipFilesAreReadOrRefused(@ForAll long seed) throws Exception {
        fuzz("fuzz.pth", HostileInput.mutate(TorchFiles.zip(TorchFiles.stateDict(VIEWS), storage(), false), seed),
                seed);
    }

    @Property(tries = 300, seed = "19102")
    void mutatedPicklesInAZipAreReadOrRefused(@ForAll long seed) throws Exception {
        byte[] pickle = HostileInput.mutate(TorchFiles.stateDict(VIEWS), seed);
        fuzz("pickle.pth", TorchFiles.zip(pickle, storage(), seed % 2 == 0), seed);
    }

    @Property(tries = 300, seed = "19103")
    void mutatedLegacyFilesAreReadOrRefused(@ForAll long seed) throws Exception {
        fuzz("legacy.pth", HostileInput.mutate(TorchFiles.legacy(TorchFiles.stateDict(VIEWS), storage()), seed), seed);
    }

    @Property(tries = 60, seed = "19104")
    void theFixturesPickleMutatedIsReadOrRefused(@ForAll long seed) throws Exception {
        // The pickle torch itself wrote for a 166-key BigGAN-PyTorch generator, with its real storages.
        Map<String, byte[]> storages = new LinkedHashMap<>();
        byte[] pickle;
        try (ZipFile zip = new ZipFile(TorchStateDictReaderTest.fixture("biggan-pytorch/G.pth").toFile())) {
            pickle = zip.getInputStream(zip.getEntry("G/data.pkl")).readAllBytes();
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (e.getName().startsWith("G/data/")) {
                    storages.put(e.getName().substring("G/data/".length()), zip.getInputStream(e).readAllBytes());
                }
            }
        }
        fuzz("fixture.pth", TorchFiles.zip(HostileInput.mutate(pickle, seed), storages, false), seed);
    }

    @Property(tries = 200, seed = "19105")
    void hostileSizesStridesAndOffsetsNeverReachLibtorch(@ForAll @LongRange(min = 0, max = 11) long a,
                                                         @ForAll @LongRange(min = 0, max = 11) long b,
                                                         @ForAll @LongRange(min = 0, max = 11) long c,
                                                         @ForAll @LongRange(min = 0, max = 11) long d) throws Exception {
        long[] v = HostileInput.VALUES;
        View view = new View("w", "0", v[(int) a], v[(int) b], new long[] {v[(int) c], 2}, new long[] {v[(int) d], 1});
        fuzz("views.pth", TorchFiles.zip(TorchFiles.stateDict(view), storage(), false), a * 1000 + b * 100 + c * 10 + d);
    }

    @Test
    void theHandMadeFilesReadAsTorchWouldReadThem() throws Exception {
        for (byte[] bytes : new byte[][] {TorchFiles.zip(TorchFiles.stateDict(VIEWS), storage(), false),
                TorchFiles.zip(TorchFiles.stateDict(VIEWS), storage(), true),
                TorchFiles.legacy(TorchFiles.stateDict(VIEWS), storage())}) {
            try (PointerScope scope = new PointerScope()) {
                LinkedHashMap<String, Tensor> t = read(TorchFiles.write(dir.resolve("valid.pth"), bytes));
                assertEquals(List.of("w", "b"), List.copyOf(t.keySet()));
                assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, Tensors.toFloats(t.get("w")));
                assertArrayEquals(new float[] {6, 7}, Tensors.toFloats(t.get("b")));
            }
        }
    }

    @Test
    void negativeAndOverflowingViewsAreRefusedBeforeAsStrided() throws Exception {
        String[][] cases = {
                {"-1", "2", "1", "0", "8", "negative"},                      // size
                {"2", "-1", "1", "0", "8", "negative"},                      // stride
                {"2", "1", "1", "-1", "8", "negative"},                      // offset
                {"2", "1", "1", "0", "-8", "negative"},                      // storage numel
                {"4611686018427387904", "4", "1", "0", "8", "overflows"},    // 2^62 x 4 elements
                {"4", "4611686018427387904", "1", "0", "8", "overflows"},    // (size - 1) x stride overflows
                {"3", "4", "1", "0", "8", "reaches element 8"},              // element 2 x 4 = 8 of 0..7
                {"2", "1", "1", "9", "8", "past the end"},                   // offset past the storage
                {"9223372036854775808", "1", "1", "0", "8", "outside 64 bits"}, // 2^63: no long holds it
                {"2", "1", "1", "0", "4611686018427387904", "overflows"}};   // storage bytes overflow
        for (String[] c : cases) {
            Pickle p = new Pickle().global("collections", "OrderedDict").op(')').op('R').op('(').string("w")
                    .global("torch._utils", "_rebuild_tensor_v2").op('(').op('(').string("storage")
                    .global("torch", "FloatStorage").string("0").string("cpu").integer(new BigInteger(c[4])).op('t')
                    .op('Q').integer(new BigInteger(c[3])).op('(').integer(new BigInteger(c[0]))
                    .integer(new BigInteger(c[2])).op('t').op('(').integer(new BigInteger(c[1])).integer(1).op('t')
                    .op(0x89).global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('u');
            Path file = TorchFiles.write(dir.resolve("view.pth"), TorchFiles.zip(p.stop(), storage(), false));
            String m = refused(file).getMessage();
            assertTrue(m.contains(c[5]), String.join(",", c) + ": " + m);
        }
    }

    @Test
    void aDeeplyNestedPickleIsRefusedWithoutAStackOverflow() throws Exception {
        // As a value: 200,000 lists inside each other, built with a stack of EMPTY_LIST + APPEND.
        int depth = 200_000;
        Pickle nested = new Pickle().global("collections", "OrderedDict").op(')').op('R').string("w");
        for (int i = 0; i < depth; i++) {
            nested.op(']');
        }
        for (int i = 1; i < depth; i++) {
            nested.op('a');
        }
        nested.op('s');
        Path file = TorchFiles.write(dir.resolve("deep.pth"), TorchFiles.zip(nested.stop(), Map.of(), false));
        assertTrue(refused(file).getMessage().contains("nests containers deeper than the limit of 512"));

        // As a dictionary key, which Java would hash recursively (the StackOverflowError of issue 19).
        Pickle key = new Pickle().op('}');
        for (int i = 0; i < depth; i++) {
            key.op(']');
        }
        for (int i = 1; i < depth; i++) {
            key.op('a');
        }
        key.integer(1).op('s');
        Path keyFile = TorchFiles.write(dir.resolve("deepkey.pth"), TorchFiles.zip(key.stop(), Map.of(), false));
        assertTrue(refused(keyFile).getMessage().contains("as a dictionary key"));

        // The same in a legacy file, and nested tuples (hashable, so only the depth bound stops them).
        Pickle tuples = new Pickle().global("collections", "OrderedDict").op(')').op('R').string("w").op(')');
        for (int i = 0; i < depth; i++) {
            tuples.op(0x85); // TUPLE1
        }
        tuples.op('s');
        Path legacy = TorchFiles.write(dir.resolve("deeplegacy.pth"), TorchFiles.legacy(tuples.stop(), Map.of()));
        assertTrue(refused(legacy).getMessage().contains("nests containers deeper"));
    }

    @Test
    void anEntryThatInflatesPastItsStorageIsRefusedBeforeInflating() throws Exception {
        // 64 MiB of zeros deflate to some 64 KB; the pickle says the storage holds 8 floats.
        byte[] bomb = new byte[64 << 20];
        Path file = TorchFiles.write(dir.resolve("bomb.pth"), TorchFiles.zip(TorchFiles.stateDict(VIEWS),
                Map.of("0", bomb), true));
        assertTrue(Files.size(file) < 1 << 20);
        String m = refused(file).getMessage();
        assertTrue(m.contains("holds 67108864 bytes but its storage needs 32"), m);

        // A data.pkl over the limit of text read whole is refused from its declared size.
        HostileInput.withLimit("text_bytes", 100, () -> assertTrue(refused(TorchFiles.write(dir.resolve("pkl.pth"),
                TorchFiles.zip(TorchFiles.stateDict(VIEWS), storage(), true))).getMessage().contains("text_bytes")));
    }

    @Test
    void declaredLengthsPastTheEndAreRefusedBeforePyroliteAllocates() throws Exception {
        for (long length : new long[] {Integer.MAX_VALUE, -1, 1 << 30}) {
            // BINUNICODE with a 4-byte length, and BINBYTES8 with an 8-byte one.
            byte[] four = new Pickle().op('X').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) length).array()).stop();
            byte[] eight = new Pickle().op(0x8e).raw(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN).putLong(length << 20).array()).stop();
            for (byte[] pickle : new byte[][] {four, eight}) {
                Path file = TorchFiles.write(dir.resolve("long.pth"), TorchFiles.zip(pickle, Map.of(), false));
                assertTrue(refused(file).getMessage().contains("declares a pickled value of"), "length " + length);
            }
        }
    }

    @Test
    void foreignGlobalsAndObjectBuildingAreRefusedAndNothingRuns() throws Exception {
        Path marker = dir.resolve("ran");
        String command = "touch " + marker;
        byte[][] hostile = {
                // os.system(command) through GLOBAL + REDUCE
                new Pickle().global("os", "system").op('(').string(command).op('t').op('R').stop(),
                // builtins.eval through STACK_GLOBAL (protocol 4 style)
                new Pickle().string("builtins").string("eval").op(0x93).op('(').string("__import__('os').system('"
                        + command + "')").op('t').op('R').stop(),
                // subprocess.Popen through INST
                new Pickle().op('(').string(command).raw("isubprocess\nPopen\n".getBytes()).stop(),
                // OBJ with a class from GLOBAL
                new Pickle().op('(').global("posix", "system").string(command).op('o').stop(),
                // torch's own loader is a global too: no file may call it
                new Pickle().global("torch", "load").op('(').string("/etc/passwd").op('t').op('R').stop()};
        String[] named = {"os.system", "builtins.eval", "INST", "posix.system", "torch.load"};
        for (int i = 0; i < hostile.length; i++) {
            Path file = TorchFiles.write(dir.resolve("evil" + i + ".pth"), TorchFiles.zip(hostile[i], Map.of(), false));
            String m = refused(file).getMessage();
            assertTrue(m.contains(named[i]), m);
            Path legacy = TorchFiles.write(dir.resolve("evil-legacy" + i + ".pth"), TorchFiles.legacy(hostile[i],
                    Map.of()));
            assertTrue(refused(legacy).getMessage().contains(named[i]));
        }
        assertFalse(Files.exists(marker), "a pickle ran a command");
    }

    @Test
    void unexpectedObjectTypesAreNamedNotCast() throws Exception {
        byte[][] odd = {
                new Pickle().op(']').stop(),                                                  // a list, not a dict
                new Pickle().op('}').string("w").integer(3).op('s').stop(),                   // a number, not a tensor
                new Pickle().op('}').integer(3).op('(').op('t').op('s').stop(),               // a tuple key
                new Pickle().integer(1).integer(2).op(0x93).stop(),                           // STACK_GLOBAL of ints
                new Pickle().global("torch._utils", "_rebuild_tensor_v2").op('(').string("x").integer(0).op('(')
                        .op('t').op('(').op('t').op('t').op('R').stop(),                      // no storage
                new Pickle().op('s').stop(),                                                  // SETITEM on nothing
                new Pickle().integer(1).op('(').string("k").integer(2).op('u').stop()};      // SETITEMS on an int
        String[] expected = {"found list", "is a number, not a tensor", "key where tensor names are strings",
                "two strings", "without a storage", "truncated or corrupt", "sets dictionary items on a number"};
        for (int i = 0; i < odd.length; i++) {
            Path file = TorchFiles.write(dir.resolve("odd" + i + ".pth"), TorchFiles.zip(odd[i], Map.of(), false));
            String m = refused(file).getMessage();
            assertTrue(m.contains(expected[i]), i + ": " + m);
        }
    }

    @Test
    void legacyStorageCountsAreCheckedAgainstTheFile() throws Exception {
        byte[] valid = TorchFiles.legacy(TorchFiles.stateDict(VIEWS), storage());
        // The element count sits 8 + 32 bytes before the end: claim 2^61 elements.
        ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).putLong(valid.length - 40, 1L << 61);
        String m = refused(TorchFiles.write(dir.resolve("count.pth"), valid)).getMessage();
        assertTrue(m.contains("holds 2305843009213693952 elements but its tensors were saved with 8"), m);
        byte[] cut = Arrays.copyOf(TorchFiles.legacy(TorchFiles.stateDict(VIEWS), storage()),
                valid.length - 5);
        refused(TorchFiles.write(dir.resolve("cut.pth"), cut));
        ByteArrayOutputStream unused = new ByteArrayOutputStream();
        unused.writeBytes(TorchFiles.legacy(TorchFiles.stateDict(VIEWS), Map.of("0", TorchFiles.floats(8),
                "1", TorchFiles.floats(1))));
        assertTrue(refused(TorchFiles.write(dir.resolve("unused.pth"), unused.toByteArray())).getMessage()
                .contains("no tensor uses"));
    }
}
