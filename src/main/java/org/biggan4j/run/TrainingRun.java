package org.biggan4j.run;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.ConfigValidator;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.dist.DataParallel;
import org.biggan4j.dist.ProcessGroup;
import org.biggan4j.dist.ReplicaAgreement;
import org.biggan4j.dist.ReplicaConsistency;
import org.biggan4j.dist.Replicas;
import org.biggan4j.dist.ShardedLatents;
import org.biggan4j.dist.WorldSpec;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.train.InitialWeights;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingLoop;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.EvaluationListener;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A training run in a run folder: a new run from a preset (optionally starting from another
 * checkpoint's weights), or the resumption of one from its newest checkpoint, alone or as one rank
 * of a data-parallel job. It writes config.yaml, metrics, sample sheets, loss plots, health pages
 * and checkpoints through the {@link StandardListeners}; it prints nothing (progress and notices go
 * to the log).
 *
 * <p>Call order: {@link #run} trains and closes everything; {@link #runKeepingSession} trains and
 * hands back the open session for a caller that works with the trained networks afterwards (the
 * demo's evaluation, tests), which then closes the {@link OpenRun}.
 */
public final class TrainingRun {

    private TrainingRun() {
    }

    /** Which optimisers a resumed run restarts (forgets Adam's moments of) before its first iteration. */
    public enum MomentReset {
        G, D, BOTH
    }

    /**
     * What to train.
     *
     * @param preset       a preset name or YAML file; ignored when resuming, required otherwise
     * @param runDir       the run folder
     * @param overrides    {@code key=value} configuration overrides, applied after the preset (or the
     *                     resumed checkpoint's configuration: learning rates, D steps, ... from there on)
     * @param resume       continue the run in {@code runDir} from its newest checkpoint
     * @param init         a checkpoint or run folder whose weights (and model section) a new run starts
     *                     from, or null
     * @param resetMoments with {@code resume}: the optimisers whose state is dropped before the first
     *                     resumed iteration, or null
     * @param world        this process's place in a data-parallel job ({@link WorldSpec#single()} alone)
     */
    public record Request(String preset, Path runDir, List<String> overrides, boolean resume, Path init,
                          MomentReset resetMoments, WorldSpec world) {

        public Request {
            Objects.requireNonNull(runDir, "runDir");
            Objects.requireNonNull(world, "world");
            overrides = List.copyOf(overrides);
            if (init != null && resume) {
                throw new IllegalArgumentException("--init starts a new run and --resume continues one: give only one.");
            }
            if (resetMoments != null && !resume) {
                throw new IllegalArgumentException("--reset-moments applies to a resumed run: add --resume, or set "
                        + "interventions.reset_moments_g_at / reset_moments_d_at for a new one.");
            }
        }

        /** A new run of {@code preset} in {@code runDir}, in this process alone. */
        public static Request start(String preset, Path runDir, List<String> overrides) {
            return new Request(preset, runDir, overrides, false, null, null, WorldSpec.single());
        }

        /** The resumption of the run in {@code runDir}, in this process alone. */
        public static Request resume(Path runDir, List<String> overrides) {
            return new Request(null, runDir, overrides, true, null, null, WorldSpec.single());
        }
    }

    /**
     * What a training run ended with.
     *
     * @param iteration   the last iteration trained
     * @param interrupted whether it stopped before {@code training.iterations} (a signal, the collapse monitor)
     * @param latestSheet the newest sample sheet written, or null (none, or not rank 0)
     * @param healthStop  the collapse monitor's message when it stopped the run, else null
     */
    public record Result(long iteration, boolean interrupted, Path latestSheet, String healthStop) {
    }

    /**
     * A finished run whose session is still open: close it (this closes the session, then leaves
     * the data-parallel job).
     *
     * @param group the open process group of a data-parallel run, else null
     */
    public record OpenRun(Result result, TrainingSession session, ProcessGroup group) implements AutoCloseable {
        @Override
        public void close() {
            session.close();
            if (group != null) {
                group.close();
            }
        }
    }

    /** Trains (or resumes) as the request says and closes the session. */
    public static Result run(Request request) throws Exception {
        try (OpenRun open = runKeepingSession(request)) {
            return open.result();
        }
    }

    /**
     * The configuration a launcher of {@code processes} local workers runs, checked once before
     * any starts (so that a bad setting is reported once, not by every worker).
     */
    public static TrainConfig checkLaunch(Request request, int processes) throws Exception {
        TrainConfig config = RunFolder.resolve(request).config();
        ConfigValidator.batchShare(config, processes, "--nproc " + processes + " processes");
        ReplicaJoin.requireDistributable(config);
        return config;
    }

    /**
     * Trains (or resumes) in the request's run folder, as rank {@code world.rank()} of a
     * data-parallel job when its world has more than one process: the ranks join through c10d,
     * check that they run the same configuration, start from rank 0's weights, and keep in step
     * (see {@link Replicas}); rank 0 alone writes the run folder (configuration, metrics, sheets,
     * checkpoints, health), the others only train. Every rank reads the checkpoint it resumes
     * from, so the run folder must be shared by all machines (one machine's disk with local
     * workers; a network file system across machines). The returned run's session is still open.
     */
    public static OpenRun runKeepingSession(Request request) throws Exception {
        RunFolder.Resolved resolved = RunFolder.resolve(request);
        TrainConfig config = resolved.config();
        Path checkpoint = resolved.checkpoint();
        Path runDir = request.runDir();
        Path init = request.init();
        WorldSpec world = request.world();
        boolean distributed = world.worldSize() > 1;
        if (distributed) {
            ReplicaJoin.requireDistributable(config);
            ConfigValidator.batchShare(config, world.worldSize(),
                    "the " + world.worldSize() + " processes (WORLD_SIZE)");
            if (config.device().equals("cuda")) {
                // One GPU per process: LOCAL_RANK picks it, as torchrun's convention.
                config = ConfigLoader.withOverrides(config, List.of("device=cuda:" + world.localRank()));
            }
        }
        Files.createDirectories(runDir);
        if (world.isLeader()) {
            // Before the ranks meet: nothing writes into the folder yet, so every temporary file
            // there is one a killed process left.
            RunFolder.removeStaleTemporaries(runDir);
        }
        ProcessGroup group = distributed ? ReplicaJoin.joinChecked(world, config) : null;
        TrainingSession session;
        try {
            session = distributed
                    ? SessionFactory.create(config, runDir, new SessionFactory.Replication(world.rank(),
                            world.worldSize(), new Replicas(group, config.distributed().crossReplicaBn()),
                            latents -> new ShardedLatents(latents, world.rank(), world.worldSize())))
                    : SessionFactory.create(config, runDir);
        } catch (RuntimeException e) {
            if (group != null) {
                group.close();
            }
            throw e;
        }
        EvaluationListener evaluation = null;
        try {
            if (checkpoint != null) {
                session.restore(checkpoint);
            }
            if (init != null) {
                InitialWeights.Report loaded = InitialWeights.apply(session, TrainedGenerator.resolve(init));
                LoggerFactory.getLogger(TrainingRun.class).info(InitialWeights.describe(loaded, init));
                if (!loaded.discriminator() && config.training().freezeDBlocks() > 0) {
                    // FreezeD keeps a pretrained D's lower layers; a fresh D's are random features.
                    LoggerFactory.getLogger(TrainingRun.class).warn("training.freeze_d_blocks={} freezes blocks of a "
                            + "freshly initialised D ({} has no discriminator): FreezeD assumes a pretrained D. Set "
                            + "training.freeze_d_blocks=0, or --init from a checkpoint with a D.",
                            config.training().freezeDBlocks(), init);
                }
            }
            if (group != null) {
                DataParallel.broadcastState(group, session.generator());
                DataParallel.broadcastState(group, session.discriminator());
                if (session.generatorEma() != null) {
                    DataParallel.broadcastState(group, session.generatorEma());
                }
            }
            // Before anything is written into the run folder: a feature network that does not fit the
            // data is a configuration error.
            if (config.output().evalEvery() > 0 && world.isLeader()) {
                evaluation = EvaluationListener.open(session);
            }
            if (world.isLeader()) {
                TrainingSession.writeConfigFile(runDir, config);
            }
            StopSignal stop = new StopSignal().installShutdownHook(120);
            // With replicas the loop obeys the stop they agree on, not a signal one of them got.
            StopSignal agreed = distributed ? new StopSignal() : stop;
            StandardListeners listeners = world.isLeader() ? StandardListeners.of(config, stop, evaluation)
                    : StandardListeners.none();
            List<TrainingListener> all = new ArrayList<>(listeners.all());
            if (distributed) {
                if (config.distributed().checkEvery() > 0) {
                    all.add(new ReplicaConsistency(group, config.distributed().checkEvery()));
                }
                all.add(new ReplicaAgreement(group, stop, agreed));
            }
            long last;
            try {
                last = new TrainingLoop(session, all, agreed).run();
            } finally {
                stop.markFinished();
            }
            Result result = new Result(last, last < session.config().training().iterations(),
                    listeners.sheets() == null ? null : listeners.sheets().latest(),
                    listeners.health() == null || listeners.health().monitor() == null ? null
                            : listeners.health().monitor().stopMessage());
            return new OpenRun(result, session, group);
        } catch (RuntimeException e) {
            if (evaluation != null) {
                evaluation.close();
            }
            session.close();
            if (group != null) {
                group.close();
            }
            throw e;
        }
    }
}
