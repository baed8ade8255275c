package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchInceptionCommandTest {

    @Test
    void reportsBothPrecisionsWithFiguresConsistentWithTheirTimes() throws Exception {
        Cli.Run r = Cli.run("bench", "inception", "--batch", "2", "--warmup", "0", "--runs", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        double gflopPerImage = doc.path("gflop_per_image").asDouble();
        assertTrue(gflopPerImage > 11.2 && gflopPerImage < 11.6, "Inception v3 is 5.7 GMAC per image: " + gflopPerImage);
        assertEquals(2, doc.path("results").size());
        for (JsonNode row : doc.path("results")) {
            double imagesPerSecond = row.path("images_per_second").asDouble();
            assertEquals(2 / row.path("seconds_per_batch").asDouble(), imagesPerSecond, 1e-9 * imagesPerSecond);
            assertEquals(gflopPerImage * imagesPerSecond, row.path("achieved_gflops").asDouble(), 1e-6 * gflopPerImage);
            assertEquals(10_000 / imagesPerSecond, row.path("fid_10k_samples_seconds").asDouble(), 1e-6 / imagesPerSecond);
        }
    }

    @Test
    void anUnknownPrecisionIsExitCode2() {
        Cli.Run r = Cli.run("bench", "inception", "--precision", "fp8", "--runs", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("fp8"), r.err());
    }
}
