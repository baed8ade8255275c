package org.biggan4j.checkpoint;

import org.biggan4j.tensor.Engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Where a checkpoint came from: versions, seed, source revision and data. Stored in every
 * checkpoint so that a model file explains itself years later.
 *
 * @param gitCommit the project's revision when built from a git checkout, else "unknown"
 */
public record Provenance(String biggan4jVersion, String libtorchVersion, String javacppVersion, String javaVersion,
                         long seed, String gitCommit, String dataSource, String created) {

    /** Provenance of the current process. */
    public static Provenance current(long seed, String dataSource) {
        return new Provenance(Engine.projectVersion(), Engine.libtorchVersion(), Engine.javacppVersion(),
                System.getProperty("java.version"), seed, readGitCommit(), dataSource, Instant.now().toString());
    }

    /**
     * The commit of the biggan4j checkout this process runs from, read from {@code .git}
     * without running git (the launcher passes the checkout as {@code biggan4j.home}).
     */
    static String readGitCommit() {
        String home = System.getProperty("biggan4j.home", System.getProperty("user.dir"));
        try {
            Path git = Path.of(home, ".git");
            if (Files.isRegularFile(git)) { // a worktree: "gitdir: <path>"
                git = Path.of(Files.readString(git).trim().substring("gitdir:".length()).trim());
            }
            Path head = git.resolve("HEAD");
            if (!Files.isRegularFile(head)) {
                return "unknown";
            }
            String ref = Files.readString(head).trim();
            if (!ref.startsWith("ref:")) {
                return ref;
            }
            String name = ref.substring(4).trim();
            for (Path dir : new Path[] {git, commonDir(git)}) {
                Path file = dir.resolve(name);
                if (Files.isRegularFile(file)) {
                    return Files.readString(file).trim();
                }
                Path packed = dir.resolve("packed-refs");
                if (Files.isRegularFile(packed)) {
                    for (String line : Files.readAllLines(packed)) {
                        if (line.endsWith(" " + name)) {
                            return line.substring(0, line.indexOf(' '));
                        }
                    }
                }
            }
            return "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static Path commonDir(Path git) throws IOException {
        Path common = git.resolve("commondir");
        return Files.isRegularFile(common) ? git.resolve(Files.readString(common).trim()).normalize() : git;
    }
}
