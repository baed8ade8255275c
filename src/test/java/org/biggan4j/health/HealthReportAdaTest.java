package org.biggan4j.health;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The health page charts ADA's p and r_t when the run logged them, and only then. */
class HealthReportAdaTest {

    @Test
    void adaProbabilityGetsItsChartWhenLogged(@TempDir Path dir) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            lines.append("{\"iteration\":").append(i).append(",\"d_loss\":1.0,\"g_loss\":0.5,\"ada_p\":")
                    .append(i / 40.0).append(",\"ada_rt\":0.8}\n");
        }
        Files.writeString(dir.resolve("metrics.jsonl"), lines.toString());
        HealthReport.Result page = HealthReport.write(dir);
        Path chart = HealthReport.directory(dir).resolve("ada.png");
        assertTrue(page.images().contains(chart) && Files.size(chart) > 0, "ada.png written");
        String html = Files.readString(page.page());
        assertTrue(html.contains("Augmentation (ADA)") && html.contains("ada.png"), "the page shows it");

        Path plain = dir.resolve("plain");
        Files.createDirectories(plain);
        Files.writeString(plain.resolve("metrics.jsonl"), "{\"iteration\":1,\"d_loss\":1.0,\"g_loss\":0.5}\n");
        HealthReport.Result without = HealthReport.write(plain);
        assertFalse(without.images().stream().anyMatch(p -> p.endsWith("ada.png")), "no ADA, no chart");
        assertFalse(Files.readString(without.page()).contains("Augmentation (ADA)"));
    }
}
