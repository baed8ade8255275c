package org.biggan4j.serve;

import org.biggan4j.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which folders are runs, how they are named, and which files of them can be read. */
class RunFoldersTest {

    @TempDir
    Path dir;

    @Test
    void findsRunsAtAnyDepthAndNamesThemByTheirPath() throws Exception {
        Path runs = dir.resolve("runs");
        FakeRuns.create(runs.resolve("a"), 100, "x");
        Files.createDirectories(runs.resolve("project").resolve("b"));
        FakeRuns.write(runs.resolve("project").resolve("b"), 1, 10); // metrics only, no config yet
        Files.createDirectories(runs.resolve("project").resolve("c").resolve("checkpoints"));
        Files.createDirectories(runs.resolve("not-a-run").resolve("samples"));
        Files.createDirectories(runs.resolve("other"));
        Files.writeString(runs.resolve("other").resolve("config.yaml"), "unrelated: 1\n", StandardCharsets.UTF_8);
        RunFolders folders = RunFolders.of(List.of(runs, runs.resolve("a")));
        assertEquals(Set.of("runs/a", "runs/project/b", "runs/project/c", "a"), folders.runs().keySet());
    }

    @Test
    void readsOnlyRegularFilesInsideTheRun() throws Exception {
        Path run = FakeRuns.create(dir.resolve("runs").resolve("a"), 100, "x");
        FakeRuns.write(run, 1, 100);
        Path secret = Files.writeString(dir.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(run.resolve("samples").resolve("leak.png"), secret);
        RunFolders folders = RunFolders.of(List.of(dir.resolve("runs")));
        assertEquals(run.resolve("config.yaml").toRealPath(), folders.resolveInside("runs/a", "config.yaml"));
        assertEquals(403, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/a", "../../secret.txt")).status());
        assertEquals(403, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/a", "samples/../../../secret.txt")).status());
        assertEquals(403, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/a", secret.toString())).status(), "an absolute path");
        assertEquals(403, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/a", "samples/leak.png")).status(), "a link out of the run");
        assertEquals(404, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/a", "samples")).status(), "a folder");
        assertEquals(404, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/a", "absent.png")).status());
        assertEquals(404, assertThrows(RunFolders.Refused.class,
                () -> folders.resolveInside("runs/../secret", "config.yaml")).status(), "ids are looked up");
    }

    @Test
    void listsCheckpointsOfRunsAndThoseNamedDirectly() throws Exception {
        Path run = FakeRuns.create(dir.resolve("runs").resolve("a"), 100, "x");
        Files.createDirectories(run.resolve("checkpoints"));
        Files.writeString(run.resolve("checkpoints").resolve("ckpt-000000010.b4j"), "x");
        Files.writeString(run.resolve("checkpoints").resolve(".ckpt-000000020.b4j.1234.tmp"), "x");
        Path imported = Files.writeString(dir.resolve("biggan-deep-128.b4j"), "x");
        RunFolders folders = RunFolders.of(List.of(dir.resolve("runs"), imported));
        assertEquals(List.of("biggan-deep-128.b4j", "runs/a/ckpt-000000010.b4j"),
                List.copyOf(folders.checkpoints().keySet()));
        assertTrue(Files.isSameFile(imported, folders.checkpoints().get("biggan-deep-128.b4j")));
    }

    @Test
    void refusesWhatCannotBeServed() throws Exception {
        assertThrows(BadInputException.class, () -> RunFolders.of(List.of(dir.resolve("absent"))));
        Path text = Files.writeString(dir.resolve("notes.txt"), "x");
        assertTrue(assertThrows(BadInputException.class, () -> RunFolders.of(List.of(text))).getMessage()
                .contains(".b4j"));
        assertThrows(BadInputException.class, () -> RunFolders.of(List.of()));
    }
}
