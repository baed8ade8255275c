package org.biggan4j.bench;

import org.biggan4j.checkpoint.imports.HfBigGanDeepConfig;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.tensor.ComputeDevice;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleBenchmarkTest {

    @Test
    void importedBigGanDeepSamplesWithItsTruncationTables() {
        // The imported configuration (truncation-indexed BatchNorm tables, as `import` makes it),
        // narrowed to ch 8 so the test is quick; the published width runs in PublishedSizesTest.
        SampleBenchmark.Model narrow = new SampleBenchmark.Model("imported, narrow", ConfigLoader.withOverrides(
                HfBigGanDeepConfig.official(128).config(), List.of("model.ch=8")));
        List<SampleBenchmark.Row> rows = SampleBenchmark.run(narrow, List.of(1, 3), 1000, 0.4, 0, 1, ComputeDevice.CPU);
        assertEquals(2, rows.size());
        assertEquals(1, rows.get(0).batch());
        assertEquals(3, rows.get(1).batch());
        assertEquals(1000, rows.get(0).classes());
        assertTrue(rows.get(1).secondsPerBatch() > 0);
        assertEquals(3 / rows.get(1).secondsPerBatch(), rows.get(1).imagesPerSecond(), 1e-9);
    }

    @Test
    void importedModelsAreThePublishedOnes() {
        SampleBenchmark.Model deep = SampleBenchmark.Model.imported(256);
        assertEquals(256, deep.config().model().resolution());
        assertEquals(128, deep.config().model().ch());
        assertEquals(1000, deep.config().model().classes());
        assertThrows(IllegalArgumentException.class, () -> SampleBenchmark.Model.imported(64));
    }
}
