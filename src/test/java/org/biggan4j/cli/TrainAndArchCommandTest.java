package org.biggan4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainAndArchCommandTest {



    @Test
    void archPrintsThePapersCountsWithoutAllocating() {
        Cli.Run r = Cli.run("arch", "--model", "biggan", "--resolution", "128", "--ch", "96", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"generator_params\" : 70433988"), r.out());
        assertTrue(r.out().contains("\"discriminator_params\" : 87982370"), r.out());
        Cli.Run deep = Cli.run("arch", "--model", "biggan-deep", "--resolution", "512");
        assertEquals(0, deep.code(), deep.err());
        assertTrue(deep.out().contains("56,163,905"), deep.out());
        Cli.Run bad = Cli.run("arch", "--model", "stylegan", "--resolution", "128");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("stylegan"), bad.err());
        // A width whose channel counts leave int range once overflowed inside libtorch (exit 1,
        // "negative dimension"); it is now sized first and refused as bad input.
        Cli.Run huge = Cli.run("arch", "--model", "biggan", "--resolution", "128", "--ch", "2147483647");
        assertEquals(2, huge.code(), huge.err());
        assertEquals(1, huge.err().strip().lines().count(), huge.err());
        assertTrue(huge.err().contains("--ch") && huge.err().contains("model_parameters"), huge.err());
    }

    @Test
    void trainWritesARunAndResumes(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String[] tiny = {"--set", "model.ch=4", "--set", "training.batch_size=8", "--set", "training.iterations=2",
                "--set", "output.checkpoint_every=1", "--set", "output.sample_every=1", "--set", "output.sample_rows=2",
                "--set", "output.sample_columns=2"};
        String[] first = concat(new String[] {"train", "--preset", "dcgan", "--out", runDir.toString()}, tiny);
        Cli.Run r = Cli.run(first);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(runDir.resolve("config.yaml")));
        assertTrue(Files.exists(runDir.resolve("metrics.jsonl")));
        assertTrue(Files.exists(runDir.resolve("losses.png")));
        assertTrue(Files.exists(runDir.resolve("samples/iter-000000002.png")));
        assertTrue(Files.exists(runDir.resolve("checkpoints/ckpt-000000002.b4j")));

        Cli.Run again = Cli.run(first);
        assertEquals(2, again.code(), "an existing run is not overwritten");
        assertTrue(again.err().contains("--resume"), again.err());

        Cli.Run resumed = Cli.run("train", "--out", runDir.toString(), "--resume", "--set", "training.iterations=3");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(Files.exists(runDir.resolve("checkpoints/ckpt-000000003.b4j")));

        Cli.Run nothing = Cli.run("train", "--out", dir.resolve("empty").toString(), "--resume");
        assertEquals(2, nothing.code());
        assertTrue(nothing.err().contains("Nothing to resume"), nothing.err());

        Cli.Run unknown = Cli.run("train", "--preset", "stylegan", "--out", dir.resolve("x").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("Unknown preset 'stylegan'"), unknown.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
