package org.biggan4j.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The global-batch rule, checked in one place for every way processes are asked for. */
class BatchShareTest {

    @Test
    void splitsTheGlobalBatchEvenlyOrSaysWhatToSet() {
        TrainConfig c = ConfigLoader.load("fmnist-demo", List.of("training.batch_size=32"));
        assertEquals(32, ConfigValidator.batchShare(c, 1, "1 process"));
        assertEquals(8, ConfigValidator.batchShare(c, 4, "the 4 processes"));
        var e = assertThrows(IllegalArgumentException.class, () -> ConfigValidator.batchShare(c, 3,
                "--nproc 3 processes"));
        assertEquals("training.batch_size=32 is the global batch and must divide evenly among --nproc 3 processes: "
                + "set it to a multiple of 3.", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigValidator.batchShare(c, 0, "no processes"));
    }
}
