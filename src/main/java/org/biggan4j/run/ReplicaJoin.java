package org.biggan4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.dist.ProcessGroup;
import org.biggan4j.dist.WorldSpec;
import org.biggan4j.tensor.ComputeDevice;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How the ranks of a data-parallel run meet: the settings such a run refuses, and a join that
 * checks every rank runs rank 0's configuration.
 */
final class ReplicaJoin {

    private ReplicaJoin() {
    }

    /** Settings a data-parallel run cannot honour yet, refused before any worker starts. */
    static void requireDistributable(TrainConfig config) {
        if (config.health().onCollapse() == TrainConfig.OnCollapse.ROLLBACK) {
            throw new IllegalArgumentException("health.on_collapse=rollback is not supported with more than one process "
                    + "(the detector runs on rank 0 alone): use stop or warn, and resume with changed settings.");
        }
        if (config.regularizers().lecam() > 0) {
            // Its anchors average each process's own scores, so the replicas would carry different
            // anchors and a resume (from rank 0's) would not continue every rank bit-exactly.
            throw new IllegalArgumentException("regularizers.lecam is not supported with more than one process yet "
                    + "(its anchors would differ per process): train on one process, or set regularizers.lecam=0.");
        }
    }

    /**
     * Joins the job and refuses to train when this rank's configuration differs from rank 0's
     * (a stale preset file on one machine, a missing --set), naming the first differing key.
     */
    static ProcessGroup joinChecked(WorldSpec world, TrainConfig config) throws Exception {
        ProcessGroup group = ProcessGroup.join(world, Duration.ofSeconds(config.distributed().timeoutS()),
                ComputeDevice.parse(config.device()));
        try {
            String mine = comparable(config);
            String leaders = group.leaderValue("config", mine);
            if (!leaders.equals(mine)) {
                throw new IllegalArgumentException("Rank " + world.rank() + "'s configuration differs from rank 0's at "
                        + firstDifference(mine, leaders) + ": start every rank with the same preset, --set options "
                        + "and run folder.");
            }
            group.barrier();
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /** The configuration as JSON without what may differ per machine: the device (cuda:LOCAL_RANK) and threads. */
    private static String comparable(TrainConfig config) throws Exception {
        var mapper = new ObjectMapper();
        var tree = (ObjectNode) mapper.readTree(ConfigLoader.toJson(config));
        tree.remove(List.of("device", "threads"));
        return mapper.writeValueAsString(tree);
    }

    /** The first key whose value differs between two configurations (as JSON), as "key (mine vs rank 0's)". */
    static String firstDifference(String mineJson, String leadersJson) throws Exception {
        var mapper = new ObjectMapper();
        String found = firstDifference("", mapper.readTree(mineJson), mapper.readTree(leadersJson));
        return found == null ? "an unknown key" : found;
    }

    private static String firstDifference(String path, JsonNode a, JsonNode b) {
        if (a.isObject() && b.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String found = firstDifference(path.isEmpty() ? name : path + "." + name, a.path(name), b.path(name));
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        return a.equals(b) ? null : path + " (" + a + " here, " + b + " on rank 0)";
    }
}
