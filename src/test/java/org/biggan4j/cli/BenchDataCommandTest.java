package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench data --json} speaks the same snake_case as the other bench commands (issue 20). */
class BenchDataCommandTest {

    @Test
    void jsonKeysAreSnakeCase() throws Exception {
        Cli.Run r = Cli.run("bench", "data", "--images", "64", "--jpegs", "16", "--batch-size", "16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(16, doc.path("batch_size").asInt());
        assertTrue(doc.has("jpeg_workers"), r.out());
        JsonNode first = doc.path("results").get(0);
        assertTrue(first.path("images_per_second").asDouble() > 0, r.out());
        assertFalse(r.out().matches("(?s).*\"[a-z]+[A-Z][A-Za-z]*\"\\s*:.*"), "no camelCase key: " + r.out());
    }
}
