package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Iterator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench train}'s one definition of images per iteration: the G update's batch
 * (batch x accumulation, as BigGAN-PyTorch counts it), with the D steps' real images apart;
 * and its JSON in snake_case. Batch 4 x accumulation 2 x 2 D steps tells the two apart: 8 and 16.
 */
class BenchTrainCommandTest {

    @Test
    void countsImagesPerIterationAsTheGeneratorBatch() throws Exception {
        Cli.Run r = Cli.run("bench", "train", "--preset", "fmnist-demo", "--set", "model.ch=4", "--set",
                "training.batch_size=4", "--set", "training.accumulation=2", "--set", "training.d_steps=2",
                "--threads", "1", "--warmup", "0", "--runs", "1", "--peak-gflops", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(8, doc.path("images_per_iteration").asInt(), r.out());
        assertEquals(16, doc.path("d_images_per_iteration").asInt(), r.out());
        double seconds = doc.path("seconds_per_iteration").asDouble();
        assertTrue(seconds > 0);
        assertEquals(8 / seconds, doc.path("images_per_second").asDouble(), 1e-9 * (8 / seconds));
        assertEquals(16 / seconds, doc.path("d_images_per_second").asDouble(), 1e-9 * (16 / seconds));
        for (Iterator<String> keys = doc.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            assertTrue(key.matches("[a-z0-9_]+"), "snake_case key: " + key);
        }
    }
}
