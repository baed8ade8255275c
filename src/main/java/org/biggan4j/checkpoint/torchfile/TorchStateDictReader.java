package org.biggan4j.checkpoint.torchfile;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
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
 * global, and the class-building opcodes INST and OBJ, make the file an error.
 */
public final class TorchStateDictReader {

    /** The legacy container's magic number (torch/serialization.py). */
    private static final long LEGACY_MAGIC_LOW = 0x20f9469cfc6cL;

    private TorchStateDictReader() {
    }

    /** A storage referenced from the pickle: its key, element type and element count. */
    record StorageRef(String key, StorageType type, long numel) {
    }

    /** A tensor as the pickle describes it: a view of a storage. */
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

    /** A Pyrolite unpickler that knows only the globals of a state dict. */
    private static final class StrictUnpickler extends Unpickler {
        private final String source;

        StrictUnpickler(String source) {
            this.source = source;
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            if (key == Opcodes.GLOBAL) {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            if (key == Opcodes.STACK_GLOBAL) {
                String name = (String) stack.pop();
                String module = (String) stack.pop();
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            if (key == Opcodes.SETITEMS) {
                // Pyrolite gathers the pairs in a HashMap first, which loses the state dict's
                // key order; insert them in file order instead.
                List<Object> items = stack.pop_all_since_marker();
                @SuppressWarnings("unchecked")
                Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                for (int i = 0; i + 1 < items.size(); i += 2) {
                    dict.put(items.get(i), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            if (key == Opcodes.INST || key == Opcodes.OBJ) {
                throw new CheckpointException(source + " builds Python objects (pickle opcode "
                        + (key == Opcodes.INST ? "INST" : "OBJ") + "): it is not a plain state dict of tensors.");
            }
            return super.dispatch(key);
        }

        private Object resolve(String module, String name) {
            String full = module + "." + name;
            if (module.equals("torch") && STORAGES.containsKey(name)) {
                return STORAGES.get(name);
            }
            return switch (full) {
                case "collections.OrderedDict" -> (IObjectConstructor) args -> new StateDictMap();
                case "torch._utils._rebuild_tensor_v2" -> (IObjectConstructor) TorchStateDictReader::rebuildTensor;
                case "torch._utils._rebuild_parameter" -> (IObjectConstructor) args -> args[0];
                default -> throw new CheckpointException(source + " refers to the Python global '" + full
                        + "', which a state dict of tensors never needs; refusing to read it.");
            };
        }

        @Override
        protected Object persistentLoad(Object pid) {
            // ('storage', storage type, key, location, numel[, view metadata])
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])
                    || !(t[1] instanceof StorageType type)) {
                throw new CheckpointException(source + " has a persistent id that is not a tensor storage.");
            }
            if (t.length > 5 && t[5] != null) {
                throw new CheckpointException(source + " uses storage views (pre-0.4 files), which are not supported.");
            }
            return new StorageRef(String.valueOf(t[2]), type, ((Number) t[4]).longValue());
        }
    }

    private static Object rebuildTensor(Object[] args) {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        return new TensorRef((StorageRef) args[0], ((Number) args[1]).longValue(), longs(args[2]), longs(args[3]));
    }

    private static long[] longs(Object tuple) {
        Object[] items = tuple instanceof Object[] a ? a : ((List<?>) tuple).toArray();
        long[] out = new long[items.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) items[i]).longValue();
        }
        return out;
    }

    /**
     * Reads every tensor of a {@code torch.save} state dict, in the file's key order.
     *
     * @throws CheckpointException naming the file for anything that is not a readable state dict
     */
    public static LinkedHashMap<String, Tensor> read(Path file, ComputeDevice device) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("Weight file " + file + " does not exist.");
        }
        try {
            byte[] head = new byte[4];
            try (InputStream in = Files.newInputStream(file)) {
                if (in.readNBytes(head, 0, 4) < 4) {
                    throw new CheckpointException(file + " is too short to be a PyTorch checkpoint.");
                }
            }
            boolean zip = head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
            return zip ? readZip(file, device) : readLegacy(file, device);
        } catch (IOException | PickleException | ClassCastException | IllegalArgumentException e) {
            throw new CheckpointException(file + " is not a readable PyTorch state dict (" + e.getMessage()
                    + "): it may be truncated or corrupt.", e);
        }
    }

    private static LinkedHashMap<String, Tensor> readZip(Path file, ComputeDevice device) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith("/data.pkl")) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                    break;
                }
            }
            if (prefix == null) {
                throw new CheckpointException(file + " is a zip file without data.pkl: not a PyTorch checkpoint.");
            }
            Object root;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(zip.getEntry(prefix + "data.pkl")))) {
                root = new StrictUnpickler(file.toString()).load(in);
            }
            Map<String, byte[]> storages = new HashMap<>();
            for (TensorRef ref : tensorRefs(root, file).values()) {
                String key = ref.storage().key();
                if (!storages.containsKey(key)) {
                    ZipEntry entry = zip.getEntry(prefix + "data/" + key);
                    if (entry == null) {
                        throw new CheckpointException(file + " lacks the storage entry data/" + key + ".");
                    }
                    try (InputStream in = zip.getInputStream(entry)) {
                        storages.put(key, in.readAllBytes());
                    }
                }
            }
            return materialise(tensorRefs(root, file), storages, device, file);
        }
    }

    private static LinkedHashMap<String, Tensor> readLegacy(Path file, ComputeDevice device) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            StrictUnpickler header = new StrictUnpickler(file.toString());
            Object magic = header.load(in);
            if (!(magic instanceof Number n) || (n.longValue() & 0xffffffffffffL) != LEGACY_MAGIC_LOW) {
                throw new CheckpointException(file + " is neither a zip nor a legacy PyTorch checkpoint "
                        + "(no magic number).");
            }
            Object protocol = header.load(in);
            if (!(protocol instanceof Number p) || p.intValue() != 1001) {
                throw new CheckpointException(file + " has legacy protocol " + protocol + "; only 1001 is known.");
            }
            Object sysInfo = header.load(in);
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new CheckpointException(file + " was written on a big-endian machine, which is not supported.");
            }
            Object root = new StrictUnpickler(file.toString()).load(in);
            Object keysObject = header.load(in);
            List<?> keys = keysObject instanceof List<?> l ? l : List.of((Object[]) keysObject);
            Map<String, TensorRef> refs = tensorRefs(root, file);
            Map<String, StorageRef> byKey = new HashMap<>();
            refs.values().forEach(r -> byKey.put(r.storage().key(), r.storage()));
            Map<String, byte[]> storages = new HashMap<>();
            byte[] count = new byte[8];
            for (Object k : keys) {
                String key = String.valueOf(k);
                in.readFully(count);
                long numel = ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).getLong();
                StorageRef ref = byKey.get(key);
                int bytesPerElement = ref == null ? 4 : ref.type().bytes();
                long size = numel * bytesPerElement;
                if (numel < 0 || size > Integer.MAX_VALUE) {
                    throw new CheckpointException(file + ": storage " + key + " claims " + numel + " elements.");
                }
                byte[] data = new byte[(int) size];
                in.readFully(data);
                storages.put(key, data);
            }
            return materialise(refs, storages, device, file);
        }
    }

    private static Map<String, TensorRef> tensorRefs(Object root, Path file) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new CheckpointException(file + " does not hold a state dict (found "
                    + (root == null ? "None" : root.getClass().getSimpleName()) + ").");
        }
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof TensorRef ref)) {
                throw new CheckpointException(file + ": entry '" + e.getKey() + "' is not a tensor.");
            }
            out.put(String.valueOf(e.getKey()), ref);
        }
        return out;
    }

    private static LinkedHashMap<String, Tensor> materialise(Map<String, TensorRef> refs, Map<String, byte[]> storages,
                                                             ComputeDevice device, Path file) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Map<String, Tensor> storageTensors = new HashMap<>();
        for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
            TensorRef ref = e.getValue();
            StorageRef s = ref.storage();
            byte[] bytes = storages.get(s.key());
            if (bytes == null || bytes.length < s.numel() * s.type().bytes()) {
                throw new CheckpointException(file + ": the storage of '" + e.getKey() + "' is missing or truncated.");
            }
            long extent = ref.offset();
            for (int i = 0; i < ref.size().length; i++) {
                if (ref.size()[i] > 0) {
                    extent += (ref.size()[i] - 1) * ref.stride()[i];
                }
            }
            if (extent >= Math.max(1, s.numel()) && numel(ref.size()) > 0) {
                throw new CheckpointException(file + ": tensor '" + e.getKey() + "' reaches beyond its storage.");
            }
            Tensor storage = storageTensors.computeIfAbsent(s.key(), k -> {
                Tensor t = torch.empty(new long[] {s.numel()}, ComputeDevice.CPU.options(s.type().dtype()), null);
                if (s.numel() > 0) {
                    new BytePointer(t.data_ptr()).put(bytes, 0, (int) (s.numel() * s.type().bytes()));
                }
                return t;
            });
            Tensor view = torch.as_strided(storage, ref.size(), ref.stride(), new LongOptional(ref.offset()))
                    .contiguous().clone();
            out.put(e.getKey(), device.type().equals("cpu") ? view : view.to(device.torchDevice(), s.type().dtype()));
        }
        return out;
    }

    private static long numel(long[] size) {
        long n = 1;
        for (long s : size) {
            n *= s;
        }
        return n;
    }

    /** Keys of a state dict file with their shapes, without keeping the tensors (for listings). */
    public static List<String> describe(Path file) {
        List<String> lines = new ArrayList<>();
        read(file, ComputeDevice.CPU).forEach((k, v) -> lines.add(k + "\t"
                + java.util.Arrays.toString(org.biggan4j.tensor.Tensors.shape(v))));
        return lines;
    }
}
