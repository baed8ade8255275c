package org.biggan4j.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's models as one plain safetensors file, for tools outside biggan4j (Python's
 * {@code safetensors.torch.load_file} reads it as is) and for exchange: tensors are named
 * {@code <group>/<parameter>} ({@code generator_ema/blocks.0.conv1.weight}), and the header's
 * {@code __metadata__} carries, as JSON strings, the training configuration (which with
 * {@code architecture} describes every layer), the state (class names, class count, image
 * channels, stored standing statistics), the iteration and the provenance. Optimiser state and
 * other training-only entries are left out, so an export is for sampling, evaluation and
 * fine-tuning, not for resuming.
 *
 * <p>Export then import gives back the same tensors bit for bit, and exporting that again
 * gives the same bytes.
 */
public final class SafeTensorsExport {

    /** {@code __metadata__.format} of an export. */
    public static final String FORMAT = "biggan4j-export";

    /** {@code __metadata__.version}. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    /** What an export holds. */
    public record Summary(List<String> groups, int tensors, long bytes) {
    }

    private SafeTensorsExport() {
    }

    /**
     * Whether a tensor group belongs in an export: the generators, their standing statistics, and
     * the discriminator when asked (fine-tuning with a trained D, the memorisation test).
     */
    static boolean exported(String group, boolean discriminator) {
        return group.equals("generator") || group.equals("generator_ema") || group.startsWith("standing_")
                || (discriminator && group.equals("discriminator"));
    }

    /**
     * Writes the models of {@code checkpoint} to {@code out} atomically.
     *
     * @param architecture a JSON description of the generator's layers (the model spec), stored as is
     */
    public static Summary export(Path checkpoint, Path out, boolean discriminator, String architecture) {
        return NativeMemory.scoped(() -> {
            CheckpointData data = CheckpointFile.read(checkpoint, ComputeDevice.CPU);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            List<String> groups = new ArrayList<>();
            data.tensorGroups().forEach((group, members) -> {
                if (exported(group, discriminator)) {
                    groups.add(group);
                    members.forEach((name, t) -> tensors.put(group + "/" + name, t));
                }
            });
            Map<String, String> metadata = new LinkedHashMap<>();
            try {
                metadata.put("format", FORMAT);
                metadata.put("version", String.valueOf(VERSION));
                metadata.put("iteration", String.valueOf(data.iteration()));
                metadata.put("groups", JSON.writeValueAsString(groups));
                metadata.put("architecture", architecture);
                metadata.put("config", JSON.writeValueAsString(JSON.readTree(data.configJson())));
                metadata.put("state", JSON.writeValueAsString(data.state().toJson()));
                metadata.put("provenance", JSON.writeValueAsString(data.provenance()));
                byte[] bytes = SafeTensors.toBytes(tensors, metadata);
                AtomicFiles.writeBytes(out, bytes);
                return new Summary(groups, tensors.size(), bytes.length);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write " + out + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * Turns an export back into a checkpoint (written atomically) that {@code sample},
     * {@code eval} and {@code train --init} read.
     *
     * @throws CheckpointException naming the file when it is not a biggan4j export
     */
    public static void importTo(Path export, Path checkpoint) {
        NativeMemory.scoped(() -> {
            // Reads with the file's size checked first: a sparse multi-GB file is refused, not buffered.
            SafeTensors.Contents contents = SafeTensors.read(export, ComputeDevice.CPU);
            Map<String, String> meta = contents.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new CheckpointException(export + " is a safetensors file but not a biggan4j export (no "
                        + "__metadata__ format '" + FORMAT + "'): weights of other projects need their own --format.");
            }
            int version;
            try {
                version = Integer.parseInt(meta.getOrDefault("version", "-1").strip());
            } catch (NumberFormatException e) {
                version = -1;
            }
            if (version < 1 || version > VERSION) {
                throw new CheckpointException(export + " is export version " + version + "; this build reads 1 to "
                        + VERSION + ": use a newer biggan4j.");
            }
            try {
                List<String> groups = JSON.readValue(meta.get("groups"), new TypeReference<List<String>>() { });
                Map<String, Map<String, Tensor>> tensorGroups = new LinkedHashMap<>();
                groups.forEach(g -> tensorGroups.put(g, new LinkedHashMap<>()));
                contents.tensors().forEach((name, t) -> {
                    int slash = name.indexOf('/');
                    Map<String, Tensor> group = slash < 0 ? null : tensorGroups.get(name.substring(0, slash));
                    if (group == null) {
                        throw new CheckpointException(export + ": tensor '" + name + "' belongs to none of the groups "
                                + groups + " its header lists.");
                    }
                    group.put(name.substring(slash + 1), t);
                });
                RunState state = RunState.fromJson(export.toString(), JSON.readTree(meta.get("state")));
                Provenance provenance = JSON.readValue(meta.get("provenance"), Provenance.class);
                CheckpointFile.write(checkpoint, new CheckpointData(Long.parseLong(meta.get("iteration")),
                        meta.get("config"), provenance, state, Map.of(), tensorGroups, Map.of()));
            } catch (IOException | RuntimeException e) {
                if (e instanceof CheckpointException ce) {
                    throw ce;
                }
                throw new CheckpointException(export + " has a damaged biggan4j header (" + e.getClass().getSimpleName()
                        + ": " + SafeTensors.shortened(String.valueOf(e.getMessage()).lines().findFirst().orElse(""))
                        + "); export the checkpoint again.", e);
            }
        });
    }
}
