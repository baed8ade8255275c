package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchSampleCommandTest {

    @Test
    void reportsImagesPerSecondOfEveryModelAtEveryBatch() throws Exception {
        Cli.Run r = Cli.run("bench", "sample", "--preset", "fmnist-demo,biggan-cifar", "--batch", "4,2", "--runs", "1",
                "--warmup", "0", "--truncation", "0.5", "--set", "model.ch=4", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode results = new ObjectMapper().readTree(r.out());
        assertEquals(4, results.size(), "two presets x two batch sizes");
        JsonNode demo = results.get(0);
        assertEquals("fmnist-demo", demo.path("model").asText());
        assertEquals(4, demo.path("batch").asInt());
        assertEquals(0.5, demo.path("truncation").asDouble());
        assertEquals(32, demo.path("resolution").asInt());
        assertEquals(1000, demo.path("classes").asInt(), "classes from the data: ImageNet's count by default");
        double seconds = demo.path("seconds_per_batch").asDouble();
        assertTrue(seconds > 0 && Math.abs(demo.path("images_per_second").asDouble() - 4 / seconds) < 1e-6 * (4 / seconds));
        assertEquals(2, results.get(1).path("batch").asInt());
        assertEquals("biggan-cifar", results.get(3).path("model").asText());

        Cli.Run bad = Cli.run("bench", "sample", "--preset", "fmnist-demo", "--batch", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("every --batch >= 1"), bad.err());
        Cli.Run badImport = Cli.run("bench", "sample", "--imported", "64");
        assertEquals(2, badImport.code());
        assertTrue(badImport.err().contains("128, 256 and 512"), badImport.err());
    }
}
