package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchSampleCommandTest {

    @Test
    void reportsImagesPerSecondOfEachPreset() throws Exception {
        Cli.Run r = Cli.run("bench", "sample", "--preset", "fmnist-demo,biggan-cifar", "--batch", "4,2", "--runs", "1",
                "--set", "model.ch=4", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode results = new ObjectMapper().readTree(r.out());
        assertEquals(2, results.size());
        JsonNode demo = results.get(0);
        assertEquals("fmnist-demo", demo.path("preset").asText());
        assertEquals(4, demo.path("batch").asInt());
        assertEquals(32, demo.path("resolution").asInt());
        assertEquals(1000, demo.path("classes").asInt(), "classes from the data: ImageNet's count by default");
        double seconds = demo.path("seconds_per_batch").asDouble();
        assertTrue(seconds > 0 && Math.abs(demo.path("images_per_second").asDouble() - 4 / seconds) < 1e-6 * (4 / seconds));
        assertEquals(2, results.get(1).path("batch").asInt());

        Cli.Run bad = Cli.run("bench", "sample", "--preset", "fmnist-demo", "--batch", "4,8");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("one --batch >= 1 per preset"), bad.err());
    }
}
