package org.biggan4j.checkpoint;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one way a stored configuration is read back, and a file opened once for header and tensors. */
class CheckpointHeaderTest {

    private static Path write(Path file, String configJson) {
        NativeMemory.scoped(() -> {
            try {
                CheckpointFile.write(file, new CheckpointData(7, configJson, Provenance.current(1, "t"),
                        RunState.imported(10, Map.of()), Map.of("fid", 3.5),
                        Map.of("generator", Map.of("w", Tensors.randn(ComputeDevice.CPU, 2))), Map.of()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return file;
    }

    @Test
    void readsTheStoredConfigurationTheIterationAndTheMetrics(@TempDir Path dir) {
        TrainConfig config = ConfigLoader.load("fmnist-demo", List.of("seed=-3"));
        Path file = write(dir.resolve("a.b4j"), ConfigLoader.toJson(config));
        CheckpointHeader header = CheckpointFile.header(file);
        assertEquals(config, header.config());
        assertEquals(7, header.iteration());
        assertEquals(Map.of("fid", 3.5), header.metrics());
        assertEquals(10, header.state().model().classes());
    }

    @Test
    void anUnbindableStoredConfigurationIsOneLineNamingTheFile(@TempDir Path dir) {
        Path file = write(dir.resolve("b.b4j"), "{\"model\": {\"no_such_key\": 1}}");
        var e = assertThrows(CheckpointException.class, () -> CheckpointFile.header(file).config());
        assertTrue(e.getMessage().startsWith(file + ": its stored configuration cannot be read")
                && e.getMessage().contains("no_such_key"), e.getMessage());
    }

    @Test
    void oneOpenGivesTheHeaderAndThenTheTensors(@TempDir Path dir) {
        Path file = write(dir.resolve("c.b4j"), ConfigLoader.toJson(ConfigLoader.load("fmnist-demo", List.of())));
        try (CheckpointFile.Reader reader = CheckpointFile.open(file)) {
            assertEquals(7, reader.header().iteration());
            long n = NativeMemory.scoped(() -> reader.read(ComputeDevice.CPU).group("generator", "t").get("w").numel());
            assertEquals(2, n);
        }
    }
}
