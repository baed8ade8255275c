package org.biggan4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code biggan4j serve} refuses bad input with one line and exit code 2, before serving anything. */
class ServeCommandTest {

    @TempDir
    Path dir;

    private static void refused(String expected, String... args) {
        Cli.Run run = Cli.run(args);
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
    }

    @Test
    void badInputIsOneLineAndExitCode2() throws Exception {
        Files.createDirectories(dir.resolve("runs"));
        String runs = dir.resolve("runs").toString();
        refused("does not exist", "serve", dir.resolve("absent").toString());
        refused("not a biggan4j checkpoint", "serve", Files.writeString(dir.resolve("notes.txt"), "x").toString());
        refused("is not a port", "serve", runs, "--port", "70000");
        refused("--token must be 16 to 256", "serve", runs, "--token", "short");
        refused("--token must be 16 to 256", "serve", runs, "--token", "<script>alert(1)</script>-long");
        refused("is not an address of this machine", "serve", runs, "--host", "[::g]");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            refused("cannot be bound", "serve", runs, "--port", String.valueOf(taken.getLocalPort()));
        }
    }
}
