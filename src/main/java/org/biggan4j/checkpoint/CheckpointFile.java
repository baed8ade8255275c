package org.biggan4j.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The biggan4j checkpoint format, version {@value #VERSION}: a zip archive holding
 * <ul>
 *   <li>{@code manifest.json}: format name and version, iteration, configuration, provenance,
 *       small state (loader position, ...), metrics, and the list of entries;</li>
 *   <li>{@code tensors/<group>.safetensors}: one safetensors file per tensor group;</li>
 *   <li>{@code blobs/<name>}: opaque bytes (libtorch optimiser archives).</li>
 * </ul>
 * Loading parses JSON and copies bytes: it never executes code. Writing is atomic (temp file,
 * fsync, rename) and refuses tensors holding NaN or infinity, so no checkpoint ever contains a
 * non-finite value.
 */
public final class CheckpointFile {

    /** The name in {@code manifest.json}'s {@code format} field. */
    public static final String FORMAT = "biggan4j-checkpoint";
    /** The version this build writes; it reads this version and every older one it knows. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private CheckpointFile() {
    }

    /** Writes {@code data} to {@code path} atomically. */
    public static void write(Path path, CheckpointData data) throws IOException {
        for (var group : data.tensorGroups().entrySet()) {
            for (var t : group.getValue().entrySet()) {
                requireFinite(t.getValue(), group.getKey() + "." + t.getKey(), path);
            }
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.put("iteration", data.iteration());
        manifest.put("config", JSON.readTree(data.configJson()));
        manifest.put("provenance", data.provenance());
        manifest.put("state", data.stateJson());
        manifest.put("metrics", data.metrics());
        manifest.put("tensor_groups", List.copyOf(data.tensorGroups().keySet()));
        manifest.put("blobs", List.copyOf(data.blobs().keySet()));
        AtomicFiles.write(path, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            zip.setLevel(1); // weights barely compress; level 1 keeps writes fast
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            zip.closeEntry();
            for (var group : data.tensorGroups().entrySet()) {
                zip.putNextEntry(new ZipEntry("tensors/" + group.getKey() + ".safetensors"));
                SafeTensors.write(zip, group.getValue(), Map.of("group", group.getKey()));
                zip.closeEntry();
            }
            for (var blob : data.blobs().entrySet()) {
                zip.putNextEntry(new ZipEntry("blobs/" + blob.getKey()));
                zip.write(blob.getValue());
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
        });
    }

    /**
     * Reads a checkpoint; tensors are created on {@code device}.
     *
     * @throws CheckpointException naming the file when it is missing, corrupt, truncated or of
     *                             an unknown format version
     */
    public static CheckpointData read(Path path, ComputeDevice device) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException("Checkpoint " + path + " does not exist.");
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry manifestEntry = zip.getEntry("manifest.json");
            if (manifestEntry == null) {
                throw new CheckpointException(path + " is not a biggan4j checkpoint: it has no manifest.json.");
            }
            JsonNode manifest;
            try (InputStream in = zip.getInputStream(manifestEntry)) {
                manifest = JSON.readTree(in);
            }
            if (!FORMAT.equals(manifest.path("format").asText())) {
                throw new CheckpointException(path + " is not a biggan4j checkpoint (format '"
                        + manifest.path("format").asText() + "').");
            }
            int version = manifest.path("version").asInt(-1);
            if (version < 1 || version > VERSION) {
                throw new CheckpointException(path + " has checkpoint format version " + version
                        + "; this build of biggan4j reads versions 1 to " + VERSION
                        + ": use a newer biggan4j to read it.");
            }
            long iteration = manifest.path("iteration").asLong();
            String config = JSON.writeValueAsString(manifest.path("config"));
            Provenance provenance = JSON.treeToValue(manifest.path("provenance"), Provenance.class);
            Map<String, Object> state = JSON.convertValue(manifest.path("state"),
                    new TypeReference<LinkedHashMap<String, Object>>() { });
            Map<String, Double> metrics = JSON.convertValue(manifest.path("metrics"),
                    new TypeReference<LinkedHashMap<String, Double>>() { });
            Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
            for (JsonNode name : manifest.path("tensor_groups")) {
                String entryName = "tensors/" + name.asText() + ".safetensors";
                groups.put(name.asText(), SafeTensors.read(entryBytes(zip, entryName, path), device,
                        path + ":" + entryName).tensors());
            }
            Map<String, byte[]> blobs = new LinkedHashMap<>();
            for (JsonNode name : manifest.path("blobs")) {
                blobs.put(name.asText(), entryBytes(zip, "blobs/" + name.asText(), path));
            }
            return new CheckpointData(iteration, config, provenance, state == null ? Map.of() : state,
                    metrics == null ? Map.of() : metrics, groups, blobs);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Checkpoint " + path + " does not exist.", e);
        } catch (ZipException e) {
            throw new CheckpointException(path + " is corrupt or truncated (" + e.getMessage()
                    + "): use an earlier checkpoint.", e);
        } catch (IOException e) {
            throw new CheckpointException("Could not read checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads only the manifest (iteration, config, provenance, metrics) without loading tensors. */
    public static JsonNode manifest(Path path) {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry e = zip.getEntry("manifest.json");
            if (e == null) {
                throw new CheckpointException(path + " is not a biggan4j checkpoint: it has no manifest.json.");
            }
            try (InputStream in = zip.getInputStream(e)) {
                return JSON.readTree(in);
            }
        } catch (IOException e) {
            throw new CheckpointException(path + " is corrupt or unreadable (" + e.getMessage() + ").", e);
        }
    }

    private static byte[] entryBytes(ZipFile zip, String name, Path path) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new CheckpointException(path + " lacks entry " + name + " listed in its manifest (corrupt file).");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static void requireFinite(Tensor t, String name, Path path) {
        if (t.is_floating_point() && t.numel() > 0 && !torch.isfinite(t).all().item_bool()) {
            throw new NonFiniteException("Refusing to write checkpoint " + path + ": tensor '" + name
                    + "' holds NaN or infinite values.");
        }
    }
}
