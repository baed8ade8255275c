package org.biggan4j.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The biggan4j checkpoint format, version {@value #VERSION}: a zip archive holding
 * <ul>
 *   <li>{@code tensors/<group>.safetensors}: one safetensors file per tensor group (G, D,
 *       G_ema, and each optimiser's moments and step counts);</li>
 *   <li>{@code blobs/<name>}: opaque bytes (none are written any more; version 1 stored
 *       libtorch optimiser archives here);</li>
 *   <li>{@code manifest.json}, written last: format name and version, iteration, configuration,
 *       provenance, small state (loader position, ...), metrics, the list of entries and, for
 *       each entry, its size and SHA-256.</li>
 * </ul>
 *
 * <p>Reading parses JSON and copies bytes: it never executes code. It verifies everything it
 * can before trusting anything: the manifest is bounded in size and nesting and its fields are
 * type-checked; every entry is inflated through a bounded stream, must match the CRC-32 the zip
 * records (which also covers the manifest) and the size and SHA-256 the manifest records; every
 * floating-point tensor must be finite. Any failure is one
 * {@link CheckpointException} line naming the file and the entry (or field, or tensor).
 *
 * <p>SHA-256 rather than CRC32C: both catch every accidental corruption that matters here, but
 * a SHA-256 also identifies content (two checkpoints' G digests are equal exactly when their G
 * weights are), and it costs little next to inflation (JDK intrinsics on x86 and ARM).
 *
 * <p>Version-1 files (before checksums) are still read, with a warning that their integrity
 * cannot be verified; their other checks (bounds, types, finiteness) apply as to version 2.
 * Writing is atomic (temp file, fsync, rename) and refuses tensors holding NaN or infinity.
 */
public final class CheckpointFile {

    /** The name in {@code manifest.json}'s {@code format} field. */
    public static final String FORMAT = "biggan4j-checkpoint";
    /** The version this build writes; it reads this version and every older one it knows. */
    public static final int VERSION = 2;
    /** The first version whose manifest records each entry's SHA-256. */
    public static final int FIRST_CHECKSUMMED = 2;

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointFile.class);
    /** Group and blob names become zip entry names: no separators, no "..", nothing exotic. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final String MANIFEST = "manifest.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private CheckpointFile() {
    }

    /** Writes {@code data} to {@code path} atomically. */
    public static void write(Path path, CheckpointData data) throws IOException {
        for (var group : data.tensorGroups().entrySet()) {
            requireName(group.getKey(), "tensor group", path);
            for (var t : group.getValue().entrySet()) {
                requireFinite(t.getValue(), group.getKey() + "." + t.getKey(), path);
            }
        }
        data.blobs().keySet().forEach(name -> requireName(name, "blob", path));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.put("iteration", data.iteration());
        manifest.put("config", JSON.readTree(data.configJson()));
        manifest.put("provenance", data.provenance());
        manifest.put("state", data.state().toJson());
        manifest.put("metrics", data.metrics());
        manifest.put("tensor_groups", List.copyOf(data.tensorGroups().keySet()));
        manifest.put("blobs", List.copyOf(data.blobs().keySet()));
        Map<String, Object> entries = new LinkedHashMap<>();
        manifest.put("entries", entries);
        AtomicFiles.write(path, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            zip.setLevel(1); // weights barely compress; level 1 keeps writes fast
            for (var group : data.tensorGroups().entrySet()) {
                String name = "tensors/" + group.getKey() + ".safetensors";
                zip.putNextEntry(new ZipEntry(name));
                DigestingStream digest = new DigestingStream(zip);
                SafeTensors.write(digest, group.getValue(), Map.of("group", group.getKey()));
                zip.closeEntry();
                entries.put(name, digest.record());
            }
            for (var blob : data.blobs().entrySet()) {
                String name = "blobs/" + blob.getKey();
                zip.putNextEntry(new ZipEntry(name));
                DigestingStream digest = new DigestingStream(zip);
                digest.write(blob.getValue());
                zip.closeEntry();
                entries.put(name, digest.record());
            }
            // Last, because it records the digests of everything before it. Readers use the
            // zip's central directory, so the order of entries does not matter to them.
            zip.putNextEntry(new ZipEntry(MANIFEST));
            zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            zip.closeEntry();
            zip.finish();
            zip.flush();
        });
    }

    /**
     * Reads a checkpoint; tensors are created on {@code device}.
     *
     * @throws CheckpointException naming the file when it is missing, corrupt, truncated, fails
     *                             its checksums, holds a non-finite weight, or is of an unknown
     *                             format version
     */
    public static CheckpointData read(Path path, ComputeDevice device) {
        try (Reader reader = open(path)) {
            return reader.read(device);
        }
    }

    /**
     * Reads a whole checkpoint and throws away what it read: every check {@link #read} makes
     * (manifest, sizes, checksums, tensors parse, finiteness), on the CPU and in a scope of its
     * own, so the tensors are freed at once.
     *
     * @throws CheckpointException the first failure, as {@link #read} reports it
     */
    public static void verify(Path path) {
        NativeMemory.scoped(() -> {
            read(path, ComputeDevice.CPU);
        });
    }

    /**
     * Reads only the manifest, typed (iteration, configuration, provenance, state, metrics),
     * without loading tensors; it is bounded and type-checked as in {@link #read}, but the
     * entries' checksums are not verified.
     */
    public static CheckpointHeader header(Path path) {
        try (Reader reader = open(path)) {
            return reader.header();
        }
    }

    /**
     * The manifest as raw JSON (for tests and diagnostics; code reads {@link #header}), checked
     * as {@link #header} checks it.
     */
    public static JsonNode manifest(Path path) {
        try (Reader reader = open(path)) {
            return reader.json;
        }
    }

    /**
     * Opens a checkpoint once for its header and then, if wanted, its tensors (sampling builds the
     * model from the header before it loads the weights). The manifest is read and checked here.
     *
     * @throws CheckpointException as {@link #read}
     */
    public static Reader open(Path path) {
        requireFile(path);
        ZipFile zip = null;
        try {
            zip = new ZipFile(path.toFile());
            JsonNode json = readManifest(zip, path);
            return new Reader(path, zip, json, parse(path, json));
        } catch (RuntimeException | IOException e) {
            closeQuietly(zip, e);
            throw failure(path, e);
        }
    }

    /** An open checkpoint whose manifest passed its checks; {@link #close()} closes the file. */
    public static final class Reader implements AutoCloseable {
        private final Path path;
        private final ZipFile zip;
        private final JsonNode json;
        private final Manifest manifest;

        private Reader(Path path, ZipFile zip, JsonNode json, Manifest manifest) {
            this.path = path;
            this.zip = zip;
            this.json = json;
            this.manifest = manifest;
        }

        /** The typed manifest. */
        public CheckpointHeader header() {
            Manifest m = manifest;
            return new CheckpointHeader(path, m.version(), m.iteration(), m.configJson(), m.provenance(), m.state(),
                    m.metrics());
        }

        /** Every entry, verified; tensors are created on {@code device} in the caller's scope. */
        public CheckpointData read(ComputeDevice device) {
            Manifest m = manifest;
            if (m.version() < FIRST_CHECKSUMMED) {
                LOG.warn("{} is a version-{} checkpoint, written before checksums: its integrity cannot be "
                        + "verified (its next save writes version {}).", path, m.version(), VERSION);
            }
            try {
                Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
                for (String name : m.tensorGroups()) {
                    String entryName = "tensors/" + name + ".safetensors";
                    byte[] bytes = entryBytes(zip, entryName, path, m);
                    Map<String, Tensor> tensors = tensors(bytes, device, path, entryName);
                    for (var t : tensors.entrySet()) {
                        refuseNonFinite(t.getValue(), name + "." + t.getKey(), path);
                    }
                    groups.put(name, tensors);
                }
                Map<String, byte[]> blobs = new LinkedHashMap<>();
                for (String name : m.blobs()) {
                    blobs.put(name, entryBytes(zip, "blobs/" + name, path, m));
                }
                return new CheckpointData(m.iteration(), m.configJson(), m.provenance(), m.state(), m.metrics(),
                        groups, blobs);
            } catch (RuntimeException | IOException e) {
                throw failure(path, e);
            }
        }

        @Override
        public void close() {
            try {
                zip.close();
            } catch (IOException e) {
                LOG.debug("Closing {}: {}", path, e.getMessage());
            }
        }
    }

    /** One line for any failure to read {@code path}: ours pass through, I/O errors are named. */
    private static RuntimeException failure(Path path, Exception e) {
        if (e instanceof CheckpointException c) {
            return c;
        }
        if (e instanceof BadInputException b) {
            return new CheckpointException(b.getMessage(), b);
        }
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof NoSuchFileException) {
            return new CheckpointException("Checkpoint " + path + " does not exist.", e);
        }
        if (e instanceof ZipException) {
            return new CheckpointException(path + " is corrupt or truncated (" + oneLine(e)
                    + "): use an earlier checkpoint.", e);
        }
        return new CheckpointException(path + " could not be read (" + oneLine(e) + "): it is damaged or "
                + "unreadable; use an earlier checkpoint.", e);
    }

    private static void closeQuietly(ZipFile zip, Exception cause) {
        if (zip != null) {
            try {
                zip.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** The manifest, type-checked. */
    private record Manifest(int version, long iteration, String configJson, Provenance provenance,
                            RunState state, Map<String, Double> metrics, List<String> tensorGroups,
                            List<String> blobs, JsonNode entries) {
    }

    private static void requireFile(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException("Checkpoint " + path + " does not exist.");
        }
    }

    private static JsonNode readManifest(ZipFile zip, Path path) throws IOException {
        ZipEntry entry = zip.getEntry(MANIFEST);
        if (entry == null) {
            throw new CheckpointException(path + " is not a biggan4j checkpoint: it has no manifest.json.");
        }
        long limit = InputLimits.current().textBytes();
        InputLimits.check(path, "manifest.json (" + InputLimits.human(entry.getSize()) + " bytes)",
                entry.getSize(), limit, "text_bytes");
        byte[] bytes;
        if (entry.getSize() >= 0) {
            bytes = inflate(zip, entry, path);
        } else {
            try (InputStream in = zip.getInputStream(entry)) {
                bytes = BoundedReads.readAll(in, limit, path, "manifest.json", "text_bytes");
            }
        }
        try {
            return manifestMapper().readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(path + ": manifest.json is not valid JSON (" + oneLine(e)
                    + "): the file is damaged; use an earlier checkpoint.", e);
        }
    }

    /** A reader whose nesting and string lengths are bounded, so a JSON bomb is refused in one line. */
    private static ObjectMapper manifestMapper() {
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(InputLimits.current().nestingDepth())
                .maxNumberLength(64)
                .build()).build();
        return JsonMapper.builder(factory).propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    }

    private static Manifest parse(Path path, JsonNode manifest) {
        if (!manifest.isObject()) {
            throw field(path, "the manifest", "a JSON object", manifest);
        }
        JsonNode format = manifest.path("format");
        if (!format.isTextual() || !FORMAT.equals(format.asText())) {
            throw new CheckpointException(path + " is not a biggan4j checkpoint (format "
                    + abbreviate(format) + "): give a .b4j file written by biggan4j.");
        }
        JsonNode versionNode = manifest.path("version");
        if (!versionNode.isIntegralNumber() || !versionNode.canConvertToInt()) {
            throw field(path, "version", "an integer", versionNode);
        }
        int version = versionNode.intValue();
        if (version < 1 || version > VERSION) {
            throw new CheckpointException(path + " has checkpoint format version " + version
                    + "; this build of biggan4j reads versions 1 to " + VERSION
                    + ": use a newer biggan4j to read it.");
        }
        JsonNode iterationNode = manifest.path("iteration");
        if (!iterationNode.isIntegralNumber() || !iterationNode.canConvertToLong() || iterationNode.longValue() < 0) {
            throw field(path, "iteration", "a non-negative integer", iterationNode);
        }
        JsonNode config = manifest.path("config");
        if (!config.isObject()) {
            throw field(path, "config", "a JSON object", config);
        }
        Provenance provenance = convert(path, manifest, "provenance", new TypeReference<Provenance>() { });
        RunState state = RunState.fromJson(path.toString(), manifest.path("state"));
        Map<String, Double> metrics = convert(path, manifest, "metrics",
                new TypeReference<LinkedHashMap<String, Double>>() { });
        List<String> groups = names(path, manifest, "tensor_groups");
        List<String> blobs = names(path, manifest, "blobs");
        JsonNode entries = manifest.path("entries");
        if (version >= FIRST_CHECKSUMMED) {
            if (!entries.isObject()) {
                throw field(path, "entries", "an object of sizes and SHA-256 digests", entries);
            }
            for (String g : groups) {
                requireRecord(path, entries, "tensors/" + g + ".safetensors");
            }
            for (String b : blobs) {
                requireRecord(path, entries, "blobs/" + b);
            }
        }
        try {
            return new Manifest(version, iterationNode.longValue(), JSON.writeValueAsString(config), provenance,
                    state, metrics == null ? Map.of() : metrics, groups, blobs, entries);
        } catch (IOException e) {
            throw new CheckpointException(path + ": its configuration cannot be re-serialised (" + oneLine(e) + ").", e);
        }
    }

    private static void requireRecord(Path path, JsonNode entries, String name) {
        JsonNode record = entries.path(name);
        if (!record.isObject()) {
            throw field(path, "entries." + name, "an object with 'bytes' and 'sha256'", record);
        }
        JsonNode bytes = record.path("bytes");
        if (!bytes.isIntegralNumber() || !bytes.canConvertToLong() || bytes.longValue() < 0) {
            throw field(path, "entries." + name + ".bytes", "a non-negative integer", bytes);
        }
        JsonNode sha = record.path("sha256");
        if (!sha.isTextual() || !sha.asText().matches("[0-9a-f]{64}")) {
            throw field(path, "entries." + name + ".sha256", "64 lower-case hex digits", sha);
        }
    }

    private static <T> T convert(Path path, JsonNode manifest, String name, TypeReference<T> type) {
        JsonNode node = manifest.path(name);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw field(path, name, "a JSON object", node);
        }
        try {
            return JSON.convertValue(node, type);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(path + ": manifest field '" + name + "' does not have the expected "
                    + "types (" + oneLine(e) + "): the file is damaged; use an earlier checkpoint.", e);
        }
    }

    private static List<String> names(Path path, JsonNode manifest, String field) {
        JsonNode node = manifest.path(field);
        if (node.isMissingNode()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw field(path, field, "a list of names", node);
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode n = node.get(i);
            if (!n.isTextual() || !NAME.matcher(n.asText()).matches() || !out.add(n.asText())) {
                throw field(path, field + "[" + i + "]", "a distinct name of letters, digits, '_', '.' or '-'", n);
            }
        }
        return List.copyOf(out);
    }

    /** A manifest field's refusal: the file (a path or a name), the field, what it must be, what it is. */
    static CheckpointException field(Object path, String field, String expected, JsonNode actual) {
        return new CheckpointException(path + ": manifest field '" + field + "' must be " + expected + ", not "
                + abbreviate(actual) + "; the file is damaged or was not written by biggan4j: use an earlier "
                + "checkpoint.");
    }

    /** A JSON value for a message: short, and on one line. */
    private static String abbreviate(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        String s = node.toString().replaceAll("\\s+", " ");
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /**
     * An entry's bytes, inflated through a bounded stream and compared with the size and
     * SHA-256 the manifest records (version 2 on).
     */
    private static byte[] entryBytes(ZipFile zip, String name, Path path, Manifest m) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new CheckpointException(path + " lacks entry " + name + " listed in its manifest: the file is "
                    + "damaged; use an earlier checkpoint.");
        }
        if (m.version() < FIRST_CHECKSUMMED) {
            return inflate(zip, e, path);
        }
        JsonNode record = m.entries().path(name);
        long declared = record.path("bytes").longValue();
        if (e.getSize() >= 0 && e.getSize() != declared) {
            throw new CheckpointException(path + ": entry " + name + " holds " + e.getSize() + " bytes but the "
                    + "manifest records " + declared + ": the file is damaged; use an earlier checkpoint.");
        }
        byte[] bytes = inflate(zip, e, path);
        if (bytes.length != declared) {
            throw new CheckpointException(path + ": entry " + name + " holds " + bytes.length + " bytes but the "
                    + "manifest records " + declared + ": the file is damaged; use an earlier checkpoint.");
        }
        String actual = HexFormat.of().formatHex(sha256().digest(bytes));
        if (!actual.equals(record.path("sha256").asText())) {
            throw new CheckpointException(path + ": entry " + name + " fails its SHA-256 check (the bytes changed "
                    + "after it was written): the file is damaged; use an earlier checkpoint.");
        }
        return bytes;
    }

    /**
     * Parses one group. The bytes passed their checksum (version 2), so they are what a writer
     * put there; a parse failure other than our own refusal still becomes one line here rather
     * than a libtorch or Java stack trace.
     */
    private static Map<String, Tensor> tensors(byte[] bytes, ComputeDevice device, Path path, String entryName) {
        try {
            return SafeTensors.read(bytes, device, path + ":" + entryName).tensors();
        } catch (BadInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(path + ": entry " + entryName + " is not a readable safetensors file ("
                    + oneLine(e) + "): the file is damaged; use an earlier checkpoint.", e);
        }
    }

    /**
     * An entry's bytes, bounded as {@link BoundedReads#zipEntry} bounds them, and checked
     * against the CRC-32 the zip records for it ({@code ZipFile} does not check it): it catches
     * damage to the manifest, which no digest covers, and to every entry of a version-1 file.
     */
    private static byte[] inflate(ZipFile zip, ZipEntry entry, Path path) throws IOException {
        byte[] bytes = BoundedReads.zipEntry(zip, entry, path);
        if (entry.getCrc() != -1) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            if (crc.getValue() != entry.getCrc()) {
                throw new CheckpointException(path + ": entry " + entry.getName() + " fails its CRC-32 check: the "
                        + "file is damaged; use an earlier checkpoint.");
            }
        }
        return bytes;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform provides SHA-256", e);
        }
    }

    /** Passes bytes through to a zip entry without closing it, counting and hashing them. */
    private static final class DigestingStream extends FilterOutputStream {
        private final MessageDigest digest = sha256();
        private long count;

        DigestingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            digest.update(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            flush(); // the zip entry is closed by its owner
        }

        Map<String, Object> record() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("bytes", count);
            r.put("sha256", HexFormat.of().formatHex(digest.digest()));
            return r;
        }
    }

    private static void requireName(String name, String what, Path path) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Cannot write " + path + ": " + what + " name '" + name
                    + "' must be letters, digits, '_', '.' or '-'.");
        }
    }

    private static void requireFinite(Tensor t, String name, Path path) {
        if (!finite(t)) {
            throw new NonFiniteException("Refusing to write checkpoint " + path + ": tensor '" + name
                    + "' holds NaN or infinite values.");
        }
    }

    private static void refuseNonFinite(Tensor t, String name, Path path) {
        if (!finite(t)) {
            throw new CheckpointException(path + ": tensor '" + name + "' holds NaN or infinite values, which "
                    + "biggan4j never writes: the file is damaged or was altered; use an earlier checkpoint.");
        }
    }

    private static boolean finite(Tensor t) {
        return !t.is_floating_point() || t.numel() == 0 || torch.isfinite(t).all().item_bool();
    }

    /** The first line of an exception's message (zip and JSON errors can span several). */
    private static String oneLine(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("").strip();
    }
}
