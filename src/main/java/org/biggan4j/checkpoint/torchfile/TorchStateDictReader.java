package org.biggan4j.checkpoint.torchfile;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the tensors of a PyTorch {@code torch.save} state dict (an {@code OrderedDict} of
 * tensors) without Python and without executing anything from the file.
 *
 * <p>Both containers occur in published GAN weights: the zip container of torch 1.6+ (a
 * {@code data.pkl} pickle plus one entry per storage) and the legacy stream of torch 1.5 and
 * earlier (magic number, protocol, system info, the pickle, the storage keys, then each
 * storage's element count and bytes). The pickle is read with Pyrolite, restricted to the few
 * globals a state dict uses ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code torch._utils._rebuild_parameter} and the {@code torch.*Storage} types); any other
 * global, and the class-building opcodes INST and OBJ, make the file an error, so a file can
 * never run code.
 *
 * <p>The file is read on no trust (issue 19): every length a pickle opcode declares is checked
 * against the bytes left before Pyrolite allocates for it; dictionary keys must be hashable
 * scalars (a Python list as a key would make Java hash a structure of any depth); the nesting of
 * what the pickle builds is bounded by {@link InputLimits#nestingDepth()}; storage sizes, tensor
 * shapes, strides and offsets are checked in 64-bit arithmetic against the storage's real size and
 * {@link InputLimits#tensorBytes()} before {@code empty} or {@code as_strided}; zip entries are
 * inflated through {@link BoundedReads#zipEntry}. Every refusal is a one-line
 * {@link CheckpointException} naming the file.
 */
public final class TorchStateDictReader {

    /** The legacy container's magic number (torch/serialization.py). */
    private static final long LEGACY_MAGIC_LOW = 0x20f9469cfc6cL;
    /** No real tensor has more dimensions; a hostile shape of millions of dimensions is refused early. */
    private static final int MAX_DIMS = 64;

    private TorchStateDictReader() {
    }

    /** A storage referenced from the pickle: its key, element type and element count. */
    record StorageRef(String key, StorageType type, long numel) {
    }

    /** A tensor as the pickle describes it: a checked view of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    /** The {@code torch.XStorage} globals. */
    record StorageType(String name, ScalarType dtype, int bytes) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("A state dict never calls torch." + name + " directly.");
        }
    }

    /** The state dict: an ordered map that also accepts the {@code _metadata} BUILD. */
    public static final class StateDictMap extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /** Pyrolite calls this for BUILD; the metadata only records module versions. */
        public void __setstate__(HashMap<?, ?> state) {
            // ignored on purpose
        }
    }

    private static final Map<String, StorageType> STORAGES = Map.of(
            "FloatStorage", new StorageType("FloatStorage", ScalarType.Float, 4),
            "DoubleStorage", new StorageType("DoubleStorage", ScalarType.Double, 8),
            "HalfStorage", new StorageType("HalfStorage", ScalarType.Half, 2),
            "BFloat16Storage", new StorageType("BFloat16Storage", ScalarType.BFloat16, 2),
            "LongStorage", new StorageType("LongStorage", ScalarType.Long, 8),
            "IntStorage", new StorageType("IntStorage", ScalarType.Int, 4),
            "ByteStorage", new StorageType("ByteStorage", ScalarType.Byte, 1),
            "BoolStorage", new StorageType("BoolStorage", ScalarType.Bool, 1));

    /**
     * An input stream that knows how many bytes remain, so a declared length can be checked
     * before anything is allocated for it. Supports mark/reset through the buffered stream below.
     */
    static final class Counted extends FilterInputStream {
        private final long size;
        private long position;
        private long marked;

        Counted(InputStream in, long size) {
            super(in.markSupported() ? in : new BufferedInputStream(in, 1 << 16));
            this.size = size;
        }

        long remaining() {
            return size - position;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                position += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            position += Math.max(0, k);
            return k;
        }

        @Override
        public synchronized void mark(int limit) {
            super.mark(limit);
            marked = position;
        }

        @Override
        public synchronized void reset() throws IOException {
            super.reset();
            position = marked;
        }
    }

    /** A Pyrolite unpickler that knows only the globals of a state dict and trusts no length. */
    private static final class StrictUnpickler extends Unpickler {
        private final String source;
        private final Counted counted;

        StrictUnpickler(String source, Counted counted) {
            this.source = source;
            this.counted = counted;
        }

        Object next() throws IOException {
            Object value = load(counted);
            checkNesting(value, source);
            return value;
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    stack.add(resolve(module, name));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    if (!(name instanceof String n) || !(module instanceof String m)) {
                        throw refuse("names a Python global with something other than two strings");
                    }
                    stack.add(resolve(m, n));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.SETITEM -> {
                    Object value = stack.pop();
                    Object k = stack.pop();
                    dict(stack.peek()).put(hashable(k), value);
                    return NO_RETURN_VALUE;
                }
                case Opcodes.SETITEMS -> {
                    // Pyrolite gathers the pairs in a HashMap first, which loses the state dict's
                    // key order; insert them in file order instead.
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> dict = dict(stack.peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(hashable(items.get(i)), items.get(i + 1));
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.DICT -> {
                    List<Object> items = stack.pop_all_since_marker();
                    HashMap<Object, Object> dict = new HashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(hashable(items.get(i)), items.get(i + 1));
                    }
                    stack.add(dict);
                    return NO_RETURN_VALUE;
                }
                case Opcodes.EMPTY_SET, Opcodes.ADDITEMS, Opcodes.FROZENSET ->
                        throw refuse("builds a Python set, which a state dict of tensors never holds");
                case Opcodes.INST, Opcodes.OBJ -> throw refuse("builds Python objects (pickle opcode "
                        + (key == Opcodes.INST ? "INST" : "OBJ") + "): it is not a plain state dict of tensors");
                case Opcodes.BINSTRING, Opcodes.BINUNICODE, Opcodes.BINBYTES, Opcodes.LONG4 -> checkLength(4);
                case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> checkLength(8);
                default -> {
                }
            }
            return super.dispatch(key);
        }

        /**
         * Peeks the length field of a length-prefixed opcode and refuses one that is negative or
         * longer than the bytes left, before Pyrolite allocates an array of that length.
         */
        private void checkLength(int width) throws IOException {
            input.mark(width);
            byte[] field = input.readNBytes(width);
            input.reset();
            if (field.length < width) {
                throw new EOFException("the pickle ends inside a length field");
            }
            long length = width == 4 ? ByteBuffer.wrap(field).order(ByteOrder.LITTLE_ENDIAN).getInt()
                    : ByteBuffer.wrap(field).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (length < 0 || length > counted.remaining() - width) {
                throw refuse("declares a pickled value of " + length + " bytes where only "
                        + Math.max(0, counted.remaining() - width) + " remain");
            }
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object target) {
            if (!(target instanceof Map<?, ?>)) {
                throw refuse("sets dictionary items on a " + typeName(target));
            }
            return (Map<Object, Object>) target;
        }

        /**
         * Python refuses lists, dicts and sets as keys; here they would also make Java hash a
         * structure of unbounded depth (a StackOverflowError), so only scalars and tuples pass.
         */
        private Object hashable(Object k) {
            if (k == null || k instanceof String || k instanceof Number || k instanceof Boolean
                    || k instanceof Object[] || k instanceof byte[]) {
                return k;
            }
            throw refuse("uses a " + typeName(k) + " as a dictionary key, which Python itself refuses");
        }

        private Object resolve(String module, String name) {
            String full = module + "." + name;
            if (module.equals("torch") && STORAGES.containsKey(name)) {
                return STORAGES.get(name);
            }
            return switch (full) {
                case "collections.OrderedDict" -> (IObjectConstructor) args -> new StateDictMap();
                case "torch._utils._rebuild_tensor_v2" -> (IObjectConstructor) this::rebuildTensor;
                case "torch._utils._rebuild_parameter" -> (IObjectConstructor) args -> {
                    if (args.length < 1 || !(args[0] instanceof TensorRef)) {
                        throw refuse("rebuilds a parameter from something other than a tensor");
                    }
                    return args[0];
                };
                default -> throw new CheckpointException(source + " refers to the Python global '"
                        + shortened(full) + "', which a state dict of tensors never needs; refusing to read it "
                        + "(it may be code).");
            };
        }

        @Override
        protected Object persistentLoad(Object pid) {
            // ('storage', storage type, key, location, numel[, view metadata])
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])
                    || !(t[1] instanceof StorageType type)) {
                throw refuse("has a persistent id that is not a tensor storage");
            }
            if (t.length > 5 && t[5] != null) {
                throw refuse("uses storage views (pre-0.4 files), which are not supported");
            }
            if (!(t[2] instanceof String || t[2] instanceof Integer || t[2] instanceof Long)) {
                throw refuse("names a storage with a " + typeName(t[2]) + " instead of a string key");
            }
            String key = shortened(String.valueOf(t[2]));
            long numel = integral(t[4], "the element count of storage " + key);
            long bytes = BoundedReads.multiply(source, "storage " + key + ": the byte size", numel, type.bytes());
            InputLimits.check(source, "storage " + key + " of " + InputLimits.human(bytes) + " bytes", bytes,
                    InputLimits.current().tensorBytes(), "tensor_bytes");
            return new StorageRef(key, type, numel);
        }

        /**
         * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])}:
         * the view is checked against the storage's element count here, in 64-bit checked
         * arithmetic, so {@code as_strided} later never sees a shape, stride or offset that
         * overflows or reaches outside the storage.
         */
        private Object rebuildTensor(Object[] args) {
            if (args.length < 4 || !(args[0] instanceof StorageRef storage)) {
                throw refuse("rebuilds a tensor without a storage");
            }
            String what = "a tensor of storage " + storage.key();
            long offset = integral(args[1], what + ": the storage offset");
            long[] size = longs(args[2], what + ": the size");
            long[] stride = longs(args[3], what + ": the stride");
            if (size.length != stride.length || size.length > MAX_DIMS) {
                throw refuse("gives " + what + " " + size.length + " sizes and " + stride.length
                        + " strides (at most " + MAX_DIMS + " dimensions, one stride per size)");
            }
            long numel = BoundedReads.product(source, what + ": the element count", size);
            InputLimits.check(source, what + " of " + InputLimits.human(numel) + " elements x "
                    + storage.type().bytes() + " bytes", BoundedReads.multiply(source, what + ": the byte size",
                    numel, storage.type().bytes()), InputLimits.current().tensorBytes(), "tensor_bytes");
            if (offset > storage.numel()) {
                throw refuse("gives " + what + " the offset " + offset + ", past the end of its storage of "
                        + storage.numel());
            }
            if (numel > 0) {
                long last = offset;
                for (int i = 0; i < size.length; i++) {
                    last = BoundedReads.add(source, what + ": the last element's index", last,
                            BoundedReads.multiply(source, what + ": the extent", size[i] - 1, stride[i]));
                }
                if (last >= storage.numel()) {
                    throw refuse("gives " + what + " of size " + Arrays.toString(size) + ", stride "
                            + Arrays.toString(stride) + " and offset " + offset + ", which reaches element " + last
                            + " of a storage of " + storage.numel());
                }
            }
            return new TensorRef(storage, offset, size, stride);
        }

        private long[] longs(Object tuple, String what) {
            Object[] items;
            if (tuple instanceof Object[] a) {
                items = a;
            } else if (tuple instanceof List<?> l) {
                items = l.toArray();
            } else {
                throw refuse("gives " + what + " as a " + typeName(tuple) + " instead of a tuple of integers");
            }
            long[] out = new long[items.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = integral(items[i], what + "[" + i + "]");
            }
            return out;
        }

        /** A non-negative integer that fits 64 bits (Python ints of any size arrive as BigInteger). */
        private long integral(Object value, String what) {
            if (!(value instanceof Integer || value instanceof Long)) {
                throw refuse("gives " + what + " as " + (value instanceof Number n ? "the number " + shortened(n.toString())
                        + ", outside 64 bits" : "a " + typeName(value)));
            }
            long v = ((Number) value).longValue();
            if (v < 0) {
                throw refuse("gives " + what + " as " + v + ", which is negative");
            }
            return v;
        }

        private CheckpointException refuse(String problem) {
            return refusal(source, problem);
        }
    }

    private static CheckpointException refusal(Object file, String problem) {
        return new CheckpointException(file + ": its pickle " + problem + "; the file is corrupt or not a "
                + "PyTorch state dict.");
    }

    /**
     * Bounds the nesting of what a pickle built by {@link InputLimits#nestingDepth()}, walking it
     * with an explicit stack (a recursive walk would itself overflow on the structures it is meant
     * to refuse). Objects shared through the pickle's memo are visited once, so cycles end too.
     */
    static void checkNesting(Object root, Object file) {
        int limit = InputLimits.current().nestingDepth();
        Deque<Object[]> todo = new ArrayDeque<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.push(new Object[] {root, 1});
        while (!todo.isEmpty()) {
            Object[] top = todo.pop();
            Object o = top[0];
            int depth = (Integer) top[1];
            Collection<?> children;
            if (o instanceof Map<?, ?> m) {
                List<Object> both = new ArrayList<>(m.keySet());
                both.addAll(m.values());
                children = both;
            } else if (o instanceof Collection<?> c) {
                children = c;
            } else if (o instanceof Object[] a) {
                children = Arrays.asList(a);
            } else {
                continue;
            }
            if (!seen.add(o)) {
                continue;
            }
            if (depth > limit) {
                throw new CheckpointException(file + ": its pickle nests containers deeper than the limit of " + limit
                        + "; the file is corrupt or hostile (for a genuine file raise -D" + InputLimits.PREFIX
                        + "nesting_depth=N in BIGGAN4J_JAVA_OPTS).");
            }
            for (Object child : children) {
                todo.push(new Object[] {child, depth + 1});
            }
        }
    }

    /**
     * Reads every tensor of a {@code torch.save} state dict, in the file's key order.
     *
     * @throws CheckpointException naming the file for anything that is not a readable state dict
     */
    public static LinkedHashMap<String, Tensor> read(Path file, ComputeDevice device) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": the weight file does not exist; check the path.");
        }
        try {
            byte[] head = new byte[4];
            try (InputStream in = Files.newInputStream(file)) {
                if (in.readNBytes(head, 0, 4) < 4) {
                    throw new CheckpointException(file + ": too short to be a PyTorch checkpoint; the file is "
                            + "truncated.");
                }
            }
            boolean zip = head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
            return zip ? readZip(file, device) : readLegacy(file, device);
        } catch (CheckpointException e) {
            throw e;
        } catch (BadInputException e) {
            // Sizes refused by BoundedReads and InputLimits: the same line, as the checkpoint error it is.
            throw new CheckpointException(e.getMessage(), e);
        } catch (EOFException e) {
            throw new CheckpointException(file + ": the PyTorch state dict ends early; the file is truncated.", e);
        } catch (IOException e) {
            // Pyrolite reports a cut pickle as a plain IOException.
            if (String.valueOf(e.getMessage()).contains("premature end")) {
                throw new CheckpointException(file + ": the PyTorch state dict ends early; the file is truncated.", e);
            }
            throw new CheckpointException(file + " is not a readable PyTorch state dict (" + describe(e)
                    + "); the file is truncated or corrupt.", e);
        } catch (RuntimeException e) {
            throw new CheckpointException(file + " is not a readable PyTorch state dict (" + describe(e)
                    + "); the file is truncated or corrupt.", e);
        }
    }

    /** What went wrong, in words: never a ClassCastException text or a bare number. */
    private static String describe(Exception e) {
        if (e instanceof ClassCastException) {
            return "its pickle holds an object of an unexpected type";
        }
        if (e instanceof IndexOutOfBoundsException || e instanceof NoSuchElementException) {
            return "its pickle takes more values from its stack than it put there";
        }
        if (e instanceof ZipException) {
            return "a damaged zip container: " + shortened(String.valueOf(e.getMessage()));
        }
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + (message.isBlank() ? "" : ": " + shortened(message));
    }

    private static LinkedHashMap<String, Tensor> readZip(Path file, ComputeDevice device) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pickle = null;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.getName().endsWith("/data.pkl")) {
                    pickle = entry;
                    break;
                }
            }
            if (pickle == null) {
                throw new CheckpointException(file + ": a zip file without data.pkl is not a PyTorch checkpoint; "
                        + "give the file torch.save wrote.");
            }
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            // A state dict's pickle is small (keys and shapes): hold it to the limit of text read whole.
            if (pickle.getSize() >= 0) {
                InputLimits.check(file, "data.pkl of " + InputLimits.human(pickle.getSize()) + " bytes",
                        pickle.getSize(), InputLimits.current().textBytes(), "text_bytes");
            }
            byte[] pickleBytes = BoundedReads.zipEntry(zip, pickle, file);
            Object root = new StrictUnpickler(file.toString(),
                    new Counted(new ByteArrayInputStream(pickleBytes), pickleBytes.length)).next();
            Map<String, TensorRef> refs = tensorRefs(root, file);
            Map<String, byte[]> storages = new HashMap<>();
            for (StorageRef s : storagesOf(refs, file).values()) {
                ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
                if (entry == null) {
                    throw new CheckpointException(file + ": lacks the storage entry data/" + s.key()
                            + "; the file is truncated or corrupt.");
                }
                long needed = s.numel() * s.type().bytes(); // checked in persistentLoad
                if (entry.getSize() >= 0 && entry.getSize() != needed) {
                    throw new CheckpointException(file + ": entry data/" + s.key() + " holds " + entry.getSize()
                            + " bytes but its storage needs " + needed + "; the file is corrupt.");
                }
                byte[] bytes = BoundedReads.zipEntry(zip, entry, file);
                if (bytes.length != needed) {
                    throw new CheckpointException(file + ": entry data/" + s.key() + " holds " + bytes.length
                            + " bytes but its storage needs " + needed + "; the file is corrupt.");
                }
                storages.put(s.key(), bytes);
            }
            return materialise(refs, storages, device);
        }
    }

    private static LinkedHashMap<String, Tensor> readLegacy(Path file, ComputeDevice device) throws IOException {
        long fileSize = Files.size(file);
        try (Counted counted = new Counted(new BufferedInputStream(Files.newInputStream(file), 1 << 20), fileSize);
             DataInputStream in = new DataInputStream(counted)) {
            StrictUnpickler header = new StrictUnpickler(file.toString(), counted);
            Object magic = header.next();
            if (!(magic instanceof Number n) || (n.longValue() & 0xffffffffffffL) != LEGACY_MAGIC_LOW) {
                throw new CheckpointException(file + ": neither a zip nor a legacy PyTorch checkpoint (no magic "
                        + "number); give the file torch.save wrote.");
            }
            Object protocol = header.next();
            if (!(protocol instanceof Integer p) || p != 1001) {
                throw new CheckpointException(file + ": legacy protocol " + shortened(String.valueOf(
                        protocol instanceof Number ? protocol : typeName(protocol))) + " is unknown (only 1001 is); "
                        + "save the weights again with a newer torch.");
            }
            Object sysInfo = header.next();
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new CheckpointException(file + ": written on a big-endian machine, which is not supported; "
                        + "save it again on a little-endian one.");
            }
            Object root = new StrictUnpickler(file.toString(), counted).next();
            Object keysObject = header.next();
            Map<String, TensorRef> refs = tensorRefs(root, file);
            Map<String, StorageRef> byKey = storagesOf(refs, file);
            List<?> keys = keysObject instanceof List<?> l ? l : keysObject instanceof Object[] a ? List.of(a) : null;
            if (keys == null) {
                throw refusal(file, "lists its storage keys as a " + typeName(keysObject) + " instead of a list");
            }
            Map<String, byte[]> storages = new HashMap<>();
            for (Object k : keys) {
                StorageRef ref = k instanceof String s ? byKey.get(s) : null;
                if (ref == null || storages.containsKey(ref.key())) {
                    throw refusal(file, "lists a storage key that no tensor uses, or twice");
                }
                long numel = in.readLong();
                numel = Long.reverseBytes(numel); // little-endian on disk
                if (numel != ref.numel()) {
                    throw new CheckpointException(file + ": storage " + ref.key() + " holds " + numel
                            + " elements but its tensors were saved with " + ref.numel() + "; the file is corrupt.");
                }
                long size = numel * ref.type().bytes(); // checked in persistentLoad
                if (size > counted.remaining()) {
                    throw new CheckpointException(file + ": storage " + ref.key() + " needs " + size + " bytes but "
                            + "only " + counted.remaining() + " remain; the file is truncated.");
                }
                if (size > BoundedReads.MAX_ARRAY) {
                    throw new CheckpointException(file + ": storage " + ref.key() + " holds more than 2 GiB, which "
                            + "this reader cannot hold; save the weights in the zip format (torch 1.6+).");
                }
                byte[] data = new byte[(int) size];
                in.readFully(data);
                storages.put(ref.key(), data);
            }
            if (storages.size() != byKey.size()) {
                throw new CheckpointException(file + ": " + (byKey.size() - storages.size()) + " storage(s) its "
                        + "tensors use are not in the file; the file is truncated or corrupt.");
            }
            return materialise(refs, storages, device);
        }
    }

    private static Map<String, TensorRef> tensorRefs(Object root, Path file) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new CheckpointException(file + ": does not hold a state dict (found " + typeName(root)
                    + "); give a file written by torch.save(model.state_dict()).");
        }
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new CheckpointException(file + ": the state dict has a " + typeName(e.getKey())
                        + " key where tensor names are strings; the file is not a state dict.");
            }
            if (!(e.getValue() instanceof TensorRef ref)) {
                throw new CheckpointException(file + ": entry '" + shortened(key) + "' is a "
                        + typeName(e.getValue()) + ", not a tensor; give a plain state dict of tensors.");
            }
            out.put(key, ref);
        }
        return out;
    }

    /** The storages the tensors use, each key with one type and size. */
    private static Map<String, StorageRef> storagesOf(Map<String, TensorRef> refs, Path file) {
        Map<String, StorageRef> out = new LinkedHashMap<>();
        for (TensorRef ref : refs.values()) {
            StorageRef previous = out.putIfAbsent(ref.storage().key(), ref.storage());
            if (previous != null && !previous.equals(ref.storage())) {
                throw new CheckpointException(file + ": storage " + ref.storage().key() + " is declared with two "
                        + "different types or sizes; the file is corrupt.");
            }
        }
        return out;
    }

    private static LinkedHashMap<String, Tensor> materialise(Map<String, TensorRef> refs, Map<String, byte[]> storages,
                                                             ComputeDevice device) {
        // Every size here was checked: storages against their bytes, views against their storage.
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Map<String, Tensor> storageTensors = new HashMap<>();
        for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
            TensorRef ref = e.getValue();
            StorageRef s = ref.storage();
            byte[] bytes = storages.get(s.key());
            Tensor storage = storageTensors.computeIfAbsent(s.key(), k -> {
                Tensor t = torch.empty(new long[] {s.numel()}, ComputeDevice.CPU.options(s.type().dtype()), null);
                if (s.numel() > 0) {
                    new BytePointer(t.data_ptr()).put(bytes, 0, bytes.length);
                }
                return t;
            });
            Tensor view = torch.as_strided(storage, ref.size(), ref.stride(), new LongOptional(ref.offset()))
                    .contiguous().clone();
            out.put(e.getKey(), device.type().equals("cpu") ? view : view.to(device.torchDevice(), s.type().dtype()));
        }
        return out;
    }

    private static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Map<?, ?>) {
            return "dict";
        }
        if (o instanceof List<?>) {
            return "list";
        }
        if (o instanceof Object[]) {
            return "tuple";
        }
        if (o instanceof String) {
            return "string";
        }
        if (o instanceof Number) {
            return "number";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        if (o instanceof StorageRef || o instanceof StorageType) {
            return "storage";
        }
        if (o instanceof TensorRef) {
            return "tensor";
        }
        return o instanceof IObjectConstructor ? "Python callable" : o.getClass().getSimpleName();
    }

    /** Names from a hostile file can be megabytes long or span lines; messages stay one readable line. */
    private static String shortened(String text) {
        String oneLine = text.replaceAll("[\\r\\n\\t]", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }

    /** Keys of a state dict file with their shapes, without keeping the tensors (for listings). */
    public static List<String> describe(Path file) {
        List<String> lines = new ArrayList<>();
        read(file, ComputeDevice.CPU).forEach((k, v) -> lines.add(k + "\t"
                + Arrays.toString(Tensors.shape(v))));
        return lines;
    }
}
