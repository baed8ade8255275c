package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code biggan4j bench small-data} with tiny settings: it trains, evaluates and prints its table or
 * JSON. (The augmentation variants need the {@code augment:} section; here only {@code none} runs.)
 */
class BenchSmallDataCommandTest {

    private static final String[] TINY = {"bench", "small-data", "--variants", "none", "--iterations", "2",
            "--eval-samples", "20", "--real-images", "100", "--no-inception", "--set", "model.ch=4", "--set", "training.batch_size=8",
            "--set", "output.standing_stats=1"};

    private static String[] with(String... more) {
        String[] args = new String[TINY.length + more.length];
        System.arraycopy(TINY, 0, args, 0, TINY.length);
        System.arraycopy(more, 0, args, TINY.length, more.length);
        return args;
    }

    @Test
    void printsOneRowPerRunAndASummaryAsJson() throws Exception {
        Cli.Run r = Cli.run(with("--seeds", "3,4", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("fmnist-small", doc.path("preset").asText());
        assertEquals(2, doc.path("iterations").asInt());
        JsonNode runs = doc.path("runs");
        assertEquals(2, runs.size());
        for (int i = 0; i < 2; i++) {
            JsonNode run = runs.get(i);
            assertEquals("none", run.path("variant").asText());
            assertEquals(3 + i, run.path("seed").asInt());
            assertTrue(run.path("fid").asDouble() > 0 && Double.isFinite(run.path("fid").asDouble()), run.toString());
            double accuracy = run.path("class_accuracy").asDouble();
            assertTrue(accuracy >= 0 && accuracy <= 1, run.toString());
            assertTrue(run.path("seconds_per_iteration").asDouble() > 0, run.toString());
            assertTrue(run.path("inception_fid").isNull(), "not computed: null, " + run);
        }
        assertTrue(runs.get(0).path("fid").asDouble() != runs.get(1).path("fid").asDouble(), "seeds differ");
        JsonNode summary = doc.path("summary");
        assertEquals(1, summary.size());
        assertEquals(2, summary.get(0).path("runs").asInt());
        double mean = (runs.get(0).path("fid").asDouble() + runs.get(1).path("fid").asDouble()) / 2;
        assertEquals(mean, summary.get(0).path("fid_mean").asDouble(), 1e-9);
    }

    @Test
    void printsATableAndRefusesAnUnknownVariant() {
        Cli.Run r = Cli.run(with("--seeds", "0"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("variant") && r.out().contains("FID-FMNIST"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("none ")), r.out());
        assertTrue(r.out().contains("Inception FID: n/a"), r.out());

        Cli.Run bad = Cli.run(with("--variants", "mixup"));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'mixup'") && bad.err().contains("none, diffaugment, ada"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }
}
