package org.biggan4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.bench.PeakBenchmark;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchPeakCommandTest {

    @Test
    void reportsFloat32AndBf16CeilingsConsistentWithTheirTimes() throws Exception {
        Cli.Run r = Cli.run("bench", "peak", "--runs", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode peak = new ObjectMapper().readTree(r.out());
        double flops = 3 * PeakBenchmark.CONV_FORWARD_FLOPS;
        for (String precision : new String[] {"conv", "conv_bf16"}) {
            double seconds = peak.path(precision + "_seconds").asDouble();
            double gflops = peak.path(precision + "_gflops").asDouble();
            assertTrue(seconds > 0, precision + " seconds " + seconds);
            assertEquals(flops / seconds / 1e9, gflops, 1e-6 * gflops, precision);
        }
        assertTrue(peak.path("sgemm_gflops").asDouble() > 0);
    }
}
