package org.biggan4j.dist;

import java.util.Map;

/**
 * Where this process sits in a data-parallel job, in the variables every launcher sets
 * (torchrun, Slurm scripts, Kubernetes jobs): {@code RANK}, {@code WORLD_SIZE},
 * {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT}.
 *
 * @param rank       this process, 0 to worldSize - 1; rank 0 hosts the rendezvous store
 * @param worldSize  processes in the job
 * @param localRank  this process among those on its machine (its GPU index on CUDA)
 * @param masterAddr host of rank 0's rendezvous store
 * @param masterPort its TCP port
 */
public record WorldSpec(int rank, int worldSize, int localRank, String masterAddr, int masterPort) {

    public WorldSpec {
        if (worldSize < 1) {
            throw new IllegalArgumentException("WORLD_SIZE must be >= 1, got " + worldSize + ".");
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("RANK must be in [0, " + (worldSize - 1) + "] for WORLD_SIZE "
                    + worldSize + ", got " + rank + ".");
        }
        if (localRank < 0) {
            throw new IllegalArgumentException("LOCAL_RANK must be >= 0, got " + localRank + ".");
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new IllegalArgumentException("MASTER_ADDR is empty: set it to the host of rank 0.");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("MASTER_PORT must be a TCP port (1-65535), got " + masterPort + ".");
        }
    }

    /** A job of one process (no variables set): rank 0 of 1. */
    public static WorldSpec single() {
        return new WorldSpec(0, 1, 0, "127.0.0.1", 29500);
    }

    /**
     * From the launcher's variables; with none of them set, a single process. A variable that is
     * set but not a number is an error naming it.
     */
    public static WorldSpec fromEnvironment(Map<String, String> env) {
        if (!env.containsKey("WORLD_SIZE") && !env.containsKey("RANK")) {
            return single();
        }
        for (String required : new String[] {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) {
            if (!env.containsKey(required)) {
                throw new IllegalArgumentException(required + " is not set: a distributed launch needs RANK, WORLD_SIZE, "
                        + "MASTER_ADDR and MASTER_PORT (LOCAL_RANK defaults to RANK).");
            }
        }
        int rank = number(env, "RANK");
        return new WorldSpec(rank, number(env, "WORLD_SIZE"),
                env.containsKey("LOCAL_RANK") ? number(env, "LOCAL_RANK") : rank, env.get("MASTER_ADDR"),
                number(env, "MASTER_PORT"));
    }

    private static int number(Map<String, String> env, String name) {
        String value = env.get(name).trim();
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'.");
        }
    }

    /** Whether this process writes checkpoints, logs and sheets. */
    public boolean isLeader() {
        return rank == 0;
    }
}
