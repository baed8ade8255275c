package org.biggan4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.io.BadInputException;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunStateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static RunState full() {
        Map<String, Long> loader = new LinkedHashMap<>();
        loader.put("seed", -7L); // a negative seed is a valid configuration
        loader.put("dataset_count", 60000L);
        loader.put("epoch", 3L);
        loader.put("index_in_epoch", 512L);
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("rollbacks", 2);
        health.put("detector", Map.of("quality", List.of(1.5, 2.5)));
        return new RunState(loader, List.of("cat", "dog"), new RunState.ModelShape(2, 1), 4,
                List.of(new StoredStandingStatistics.Entry("generator_ema", 0.5, 100, 64, 9)),
                Map.of("format", "biggan-pytorch"), Map.of("health", health));
    }

    @Test
    void roundTripsThroughTheManifestsJsonWithTheSameKeys() throws Exception {
        RunState state = full();
        JsonNode json = JSON.readTree(JSON.writeValueAsString(state.toJson()));
        assertEquals(List.of("loader", "class_names", "model", "noise_salt", "standing_statistics", "imported",
                "health"), iterable(json));
        assertEquals(1, json.path("model").path("image_channels").asInt());
        assertEquals(state, RunState.fromJson("x.b4j", json));
    }

    @Test
    void roundTripsThroughACheckpointFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.b4j");
        NativeMemory.scoped(() -> {
            try {
                CheckpointFile.write(file, new CheckpointData(3, "{\"seed\": 1}", Provenance.current(1, "t"), full(),
                        Map.of(), Map.of("generator", Map.of("w", Tensors.randn(ComputeDevice.CPU, 2))), Map.of()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertEquals(full(), CheckpointFile.header(file).state());
    }

    /** What a checkpoint written before the model shape, the salt and the statistics existed holds. */
    @Test
    void readsAnOldStateWithItsMissingKeysAtTheirDefaults() throws Exception {
        RunState old = RunState.fromJson("old.b4j", JSON.readTree(
                "{\"loader\": {\"epoch\": 1, \"index\": 2}, \"class_names\": []}"));
        assertEquals(Map.of("epoch", 1L, "index", 2L), old.loader());
        assertNull(old.model());
        assertEquals(0, old.noiseSalt());
        assertTrue(old.standingStatistics().isEmpty() && old.listeners().isEmpty());
        assertEquals(RunState.EMPTY, RunState.fromJson("none.b4j", JSON.readTree("{}")));
        assertEquals(RunState.EMPTY, RunState.fromJson("none.b4j", JSON.missingNode()));
    }

    @Test
    void refusesEachBadValueNamingTheFileAndTheKey() throws Exception {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{\"loader\": {\"epoch\": \"three\"}}", "'state.loader.epoch'");
        bad.put("{\"loader\": {\"epoch\": 1.5}}", "'state.loader.epoch'");
        bad.put("{\"loader\": [1]}", "'state.loader'");
        bad.put("{\"class_names\": [\"a\", 3]}", "'state.class_names[1]'");
        bad.put("{\"class_names\": \"a\"}", "'state.class_names'");
        bad.put("{\"model\": {\"classes\": -1, \"image_channels\": 3}}", "'state.model.classes'");
        bad.put("{\"model\": {\"classes\": 10}}", "'state.model.image_channels'");
        bad.put("{\"noise_salt\": \"x\"}", "'state.noise_salt'");
        bad.put("{\"noise_salt\": 99999999999}", "'state.noise_salt'");
        bad.put("{\"standing_statistics\": [{\"weights\": \"g\", \"truncation\": -1, \"batches\": 1, "
                + "\"batch_size\": 1, \"seed\": 0}]}", "'state.standing_statistics[0].truncation'");
        bad.put("{\"standing_statistics\": [{\"weights\": \"g\", \"truncation\": 0}]}",
                "'state.standing_statistics[0].batches'");
        bad.put("{\"imported\": {\"file\": 3}}", "'state.imported.file'");
        bad.put("[1, 2]", "'state'");
        for (var e : bad.entrySet()) {
            JsonNode node = JSON.readTree(e.getKey());
            var x = assertThrows(CheckpointException.class, () -> RunState.fromJson("/runs/a.b4j", node), e.getKey());
            assertTrue(x instanceof BadInputException);
            assertTrue(x.getMessage().startsWith("/runs/a.b4j: manifest field " + e.getValue()), x.getMessage());
        }
    }

    @Test
    void aListenerMayNotTakeOneOfTheStatesOwnKeys() {
        assertThrows(IllegalArgumentException.class, () -> new RunState(Map.of(), List.of(), null, 0, List.of(),
                Map.of(), Map.of("noise_salt", 3)));
    }

    private static List<String> iterable(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
