package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchDistCommandTest {

    @Test
    void measuresOneAndTwoProcessesOnTheSameGlobalBatch() throws Exception {
        Cli.Run run = Cli.run("bench", "dist", "--preset", "fmnist-demo", "--set", "training.batch_size=8",
                "--nproc", "1,2", "--warmup", "1", "--runs", "1", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode doc = new ObjectMapper().readTree(run.out());
        assertEquals(8, doc.path("global_batch").asInt());
        assertEquals(2, doc.path("runs").size());
        for (int i = 0; i < 2; i++) {
            JsonNode r = doc.path("runs").get(i);
            assertEquals(i + 1, r.path("processes").asInt());
            assertEquals(1, r.path("iteration_seconds").size());
            double seconds = r.path("seconds_per_iteration").asDouble();
            assertTrue(seconds > 0, r.toString());
            assertEquals(8 / seconds, r.path("images_per_second").asDouble(), 1e-9);
        }
    }

    @Test
    void aProcessCountThatDoesNotDivideTheBatchIsRefused() {
        Cli.Run run = Cli.run("bench", "dist", "--preset", "fmnist-demo", "--nproc", "1,3");
        assertEquals(2, run.code());
        assertEquals("error: training.batch_size=32 is the global batch and must divide evenly among --nproc 3 "
                + "processes: set it to a multiple of 3.", run.err().strip());
    }
}
