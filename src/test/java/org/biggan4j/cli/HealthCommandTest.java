package org.biggan4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthCommandTest {

    @Test
    void writesThePageForATinyRunAndRejectsAFolderThatIsNotARun(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Cli.Run train = Cli.run("train", "--preset", "fmnist-demo", "--out", run.toString(), "--set", "model.ch=4",
                "--set", "training.batch_size=8", "--set", "training.iterations=12", "--set", "threads=1",
                "--set", "output.sample_every=6", "--set", "output.sample_rows=2", "--set", "output.sample_columns=2",
                "--set", "output.checkpoint_every=6", "--set", "output.eval_every=0", "--spectra-every", "4");
        assertEquals(0, train.code(), train.err());
        assertTrue(Files.exists(run.resolve("spectra.jsonl")), "spectra are on in `train`");

        Cli.Run health = Cli.run("health", run.toString());
        assertEquals(0, health.code(), health.err());
        assertTrue(health.out().contains("Health page: "), health.out());
        Path page = run.resolve("health/index.html");
        String html = Files.readString(page);
        for (String png : new String[] {"losses.png", "spectra-g.png", "spectra-d.png", "layers/G.linear.weight.png"}) {
            assertTrue(html.contains("src=\"" + png + "\""), png + " is on the page");
            assertTrue(Files.size(run.resolve("health").resolve(png)) > 1000, png + " is written");
        }
        assertTrue(html.contains("src=\"../samples/iter-000000006.png\"") && html.contains("iter-000000012.png"),
                "the sample sheets are on the timeline");
        assertTrue(html.contains("G.linear.weight"), "G's first layer is named");
        assertTrue(html.contains("raised no alarm"), "no decisions in a healthy run");

        Files.createDirectories(dir.resolve("photos"));
        Cli.Run notARun = Cli.run("health", dir.resolve("photos").toString());
        assertEquals(2, notARun.code());
        assertTrue(notARun.err().contains("is not a biggan4j run folder"), notARun.err());
        assertEquals(1, notARun.err().strip().lines().count(), "one line: " + notARun.err());
        assertFalse(Files.exists(dir.resolve("photos/health")), "nothing written into it");

        Cli.Run missing = Cli.run("health", dir.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }
}
