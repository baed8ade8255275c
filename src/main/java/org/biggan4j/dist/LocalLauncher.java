package org.biggan4j.dist;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --nproc N}: starts N worker JVMs on this machine, each with the variables an external
 * launcher would set ({@link WorldSpec}) on loopback and a free port, and waits for them.
 * Workers are this same program with the same JVM options and the command's arguments; rank 0
 * logs as usual, the others only warnings and errors. When a worker fails, the others are given
 * {@code grace} to notice (they stop on their own, naming the rank) before they are killed; a
 * signal to the launcher is passed on to the workers, which stop after the same iteration and
 * leave rank 0's final checkpoint.
 */
public final class LocalLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(LocalLauncher.class);

    private LocalLauncher() {
    }

    /**
     * Runs {@code mainClass args} as ranks 0..n-1 and returns the exit code: 0 when all succeed,
     * else the first failing rank's.
     *
     * @param grace how long the other workers may take to stop after one failed
     */
    public static int launch(int n, String mainClass, List<String> args, Duration grace) throws IOException,
            InterruptedException {
        return launch(n, mainClass, args, grace, ProcessBuilder.Redirect.INHERIT);
    }

    /** As above, with the workers' standard output sent to {@code out} (their errors still to this process's). */
    public static int launch(int n, String mainClass, List<String> args, Duration grace, ProcessBuilder.Redirect out)
            throws IOException, InterruptedException {
        if (n < 1) {
            throw new IllegalArgumentException("The number of processes must be >= 1, got " + n + ".");
        }
        int port = freePort();
        List<Process> workers = new ArrayList<>();
        Thread forward = new Thread(() -> stopAll(workers, grace), "biggan4j-launcher-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        try {
            for (int rank = 0; rank < n; rank++) {
                workers.add(start(rank, n, port, mainClass, args, out));
            }
            LOG.info("Started {} workers (ranks 0-{}) on 127.0.0.1:{}.", n, n - 1, port);
            int code = waitFor(workers, grace);
            Runtime.getRuntime().removeShutdownHook(forward);
            return code;
        } catch (IllegalStateException shuttingDown) {
            return 1; // the shutdown hook is stopping the workers
        }
    }

    private static Process start(int rank, int n, int port, String mainClass, List<String> args,
                                 ProcessBuilder.Redirect out) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Memory, stack and property settings travel; debugger and agent attachments do not
            // (N processes cannot share one debug port).
            if (option.startsWith("-X") || option.startsWith("-D") || option.startsWith("--enable-native-access")) {
                command.add(option);
            }
        }
        if (rank > 0) {
            command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO().redirectOutput(out);
        pb.environment().putAll(Map.of("RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(n),
                "LOCAL_RANK", Integer.toString(rank), "LOCAL_WORLD_SIZE", Integer.toString(n),
                "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port)));
        return pb.start();
    }

    /** Waits for every worker; after the first failure, gives the rest {@code grace} before killing them. */
    static int waitFor(List<Process> workers, Duration grace) throws InterruptedException {
        int code = 0;
        long deadline = Long.MAX_VALUE;
        while (workers.stream().anyMatch(Process::isAlive)) {
            for (int rank = 0; rank < workers.size() && code == 0; rank++) {
                Process p = workers.get(rank);
                if (!p.isAlive() && p.exitValue() != 0) {
                    code = p.exitValue();
                    LOG.error("Rank {} exited with code {}; waiting up to {} s for the others to stop.", rank, code,
                            grace.toSeconds());
                    deadline = System.nanoTime() + grace.toNanos();
                }
            }
            if (System.nanoTime() > deadline) {
                LOG.error("Killing the workers still running {} s after rank failure.", grace.toSeconds());
                workers.forEach(Process::destroyForcibly);
                break;
            }
            Thread.sleep(200);
        }
        for (int rank = 0; rank < workers.size(); rank++) {
            Process p = workers.get(rank);
            p.waitFor();
            if (code == 0 && p.exitValue() != 0) {
                code = p.exitValue();
            }
        }
        return code;
    }

    /** On a signal to the launcher: asks each worker to stop (SIGTERM), waits, then kills what is left. */
    private static void stopAll(List<Process> workers, Duration grace) {
        workers.forEach(Process::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Process p : workers) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A TCP port free now on this machine (the store binds it moments later). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
