package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.ConfigValidator;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.train.InitialWeights;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.dist.DataParallel;
import org.biggan4j.dist.LocalLauncher;
import org.biggan4j.dist.ProcessGroup;
import org.biggan4j.dist.ReplicaAgreement;
import org.biggan4j.dist.ReplicaConsistency;
import org.biggan4j.dist.Replicas;
import org.biggan4j.dist.ShardedLatents;
import org.biggan4j.dist.WorldSpec;
import org.biggan4j.health.HealthListeners;
import org.biggan4j.train.SessionFactory;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;
import org.biggan4j.train.TrainingLoop;
import org.biggan4j.train.TrainingSession;
import org.biggan4j.train.listener.CheckpointListener;
import org.biggan4j.train.listener.EvaluationListener;
import org.biggan4j.train.listener.LossPlotListener;
import org.biggan4j.train.listener.MetricsLogger;
import org.biggan4j.train.listener.ProgressListener;
import org.biggan4j.train.listener.SampleSheetListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code biggan4j train}: trains a GAN from a preset, writing everything into a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a GAN. The run folder gets config.yaml, metrics.jsonl/csv, samples/, loss plots "
                + "and checkpoints/; --resume continues from its newest checkpoint (bit-exactly on CPU).")
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", paramLabel = "P",
            description = "A preset name (${COMPLETION-CANDIDATES}) or a YAML file. Not needed with --resume.",
            completionCandidates = Presets.class)
    String preset;

    @Option(names = "--data", paramLabel = "PATH", description = "Training data (sets data.path).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "RUN", description = "Run folder.")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a configuration key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint; --set then "
            + "changes settings from there on (learning rates, D steps, ...).")
    boolean resume;

    @Option(names = "--init", paramLabel = "CKPT",
            description = "Fine-tune: start a new run from the generator (and D, when it has one) of this checkpoint or "
                    + "run folder, e.g. an imported BigGAN; its model section replaces the preset's (--set still "
                    + "applies). Class-dependent tensors start fresh when the data have another number of classes.")
    Path init;

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (sets device).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (sets threads).")
    Integer threads;

    @Option(names = "--seed", paramLabel = "SEED", description = "The run seed (sets seed).")
    Long seed;

    @Option(names = "--spectra-every", paramLabel = "N",
            description = "Log the top singular values of every weight every N iterations (0 = off; sets "
                    + "health.spectra_every, default 100).")
    Integer spectraEvery;

    /** Which optimisers {@code --reset-moments} restarts. */
    enum MomentReset {
        G, D, BOTH;

        static MomentReset parse(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "g" -> G;
                case "d" -> D;
                case "both" -> BOTH;
                default -> throw new IllegalArgumentException("--reset-moments takes g, d or both, got '" + value
                        + "'.");
            };
        }
    }

    @Option(names = "--nproc", paramLabel = "N",
            description = "Data-parallel training in N processes on this machine (c10d: Gloo on CPU, NCCL on CUDA); "
                    + "training.batch_size is then the global batch. Across machines, start the workers with a "
                    + "launcher that sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT instead.")
    int nproc = 1;

    @Option(names = "--reset-moments", paramLabel = "NET",
            description = "With --resume: forget the optimiser state (Adam's moments) of g, d or both before the "
                    + "first resumed iteration (sets interventions.reset_moments_*_at to it).")
    String resetMoments;

    /** Preset names for picocli's completion and help. */
    static final class Presets extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Presets() {
            super(ConfigLoader.PRESETS);
        }
    }

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(overrides);
        if (data != null) {
            all.add("data.path=" + data.toAbsolutePath());
        }
        if (device != null) {
            all.add("device=" + device);
        }
        if (threads != null) {
            all.add("threads=" + threads);
        }
        if (seed != null) {
            all.add("seed=" + seed);
        }
        if (spectraEvery != null) {
            all.add("health.spectra_every=" + spectraEvery);
        }
        if (init != null && resume) {
            throw new IllegalArgumentException("--init starts a new run and --resume continues one: give only one.");
        }
        if (resetMoments != null) {
            all.addAll(momentResetOverrides(MomentReset.parse(resetMoments), resume, out));
        }
        WorldSpec world = WorldSpec.fromEnvironment(System.getenv());
        if (nproc != 1) {
            return launchWorkers(world, all);
        }
        TrainingOutcome outcome = run(preset, out, all, resume, init, world);
        if (!world.isLeader()) {
            return 0;
        }
        PrintWriter w = spec.commandLine().getOut();
        if (outcome.health() != null) {
            w.println(outcome.health());
        }
        w.printf("%s at iteration %d. Run folder: %s%n", outcome.interrupted() ? "Stopped" : "Finished",
                outcome.iteration(), out.toAbsolutePath());
        if (outcome.sheet() != null) {
            w.printf("Latest sample sheet: %s%n", outcome.sheet().toAbsolutePath());
        }
        w.flush();
        return 0;
    }

    /**
     * {@code --nproc N}: checks the settings once here (so that a bad one is reported once, not
     * by every worker), then runs N workers with this command's arguments but {@code --nproc},
     * each given its share of the cores unless {@code --threads} says otherwise.
     */
    private int launchWorkers(WorldSpec world, List<String> overrides) throws Exception {
        if (nproc < 1) {
            throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc + ".");
        }
        if (world.worldSize() > 1) {
            throw new IllegalArgumentException("--nproc starts its own workers, but this process is already rank "
                    + world.rank() + " of " + world.worldSize() + " (RANK/WORLD_SIZE are set): leave out --nproc "
                    + "under an external launcher.");
        }
        TrainConfig config = resolve(preset, out, overrides, resume, init).config();
        ConfigValidator.batchShare(config, nproc, "--nproc " + nproc + " processes");
        requireDistributable(config);
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--nproc")) {
                args.subList(i, i + 2).clear();
                break;
            }
            if (args.get(i).startsWith("--nproc=")) {
                args.remove(i);
                break;
            }
        }
        if (threads == null && config.threads() == 0) {
            int cores = Math.max(1, org.biggan4j.tensor.Engine.physicalCores());
            args.addAll(List.of("--threads", Integer.toString(Math.max(1, cores / nproc))));
        }
        if (args.isEmpty() || !args.get(0).equals("train")) {
            args.add(0, "train");
        }
        return LocalLauncher.launch(nproc, Biggan4j.class.getName(), args, java.time.Duration.ofSeconds(60));
    }

    /**
     * Deletes what saves interrupted by a crash or {@code kill -9} left in a run folder: the
     * temporary files of checkpoints (see {@link org.biggan4j.checkpoint.CheckpointStore#removeStaleTemporaries})
     * and of the folder's other outputs (config.yaml, metrics, plots, sheets, health pages).
     */
    static void removeStaleTemporaries(Path runDir) throws java.io.IOException {
        new org.biggan4j.checkpoint.CheckpointStore(runDir, 1, "").removeStaleTemporaries();
        List<Path> removed = new ArrayList<>();
        for (Path dir : List.of(runDir, runDir.resolve("samples"), runDir.resolve("health"))) {
            removed.addAll(org.biggan4j.io.AtomicFiles.removeTemporaries(dir, target -> true));
        }
        if (!removed.isEmpty()) {
            org.slf4j.LoggerFactory.getLogger(TrainCommand.class).info(
                    "Removed {} temporary file(s) left by an interrupted write: {}", removed.size(),
                    removed.stream().map(p -> runDir.relativize(p).toString()).toList());
        }
    }

    /** Settings a data-parallel run cannot honour yet, refused before any worker starts. */
    static void requireDistributable(TrainConfig config) {
        if (config.health().onCollapse() == TrainConfig.OnCollapse.ROLLBACK) {
            throw new IllegalArgumentException("health.on_collapse=rollback is not supported with more than one process "
                    + "(the detector runs on rank 0 alone): use stop or warn, and resume with changed settings.");
        }
    }

    /**
     * {@code --reset-moments} as overrides: the reset iteration is the one after the newest
     * checkpoint, so the restored moments are dropped before the first resumed update. It is
     * stored with the configuration, so a later roll-back to before it replays the reset.
     */
    static List<String> momentResetOverrides(MomentReset which, boolean resume, Path runDir) throws Exception {
        if (!resume) {
            throw new IllegalArgumentException("--reset-moments applies to a resumed run: add --resume, or set "
                    + "interventions.reset_moments_g_at / reset_moments_d_at for a new one.");
        }
        var latest = new org.biggan4j.checkpoint.CheckpointStore(runDir, 1, "").latest();
        if (latest.isEmpty()) {
            return List.of(); // "Nothing to resume" is reported by the run itself
        }
        long next = CheckpointFile.header(latest.get()).iteration() + 1;
        List<String> out = new ArrayList<>();
        if (which != MomentReset.D) {
            out.add("interventions.reset_moments_g_at=" + next);
        }
        if (which != MomentReset.G) {
            out.add("interventions.reset_moments_d_at=" + next);
        }
        return out;
    }

    /**
     * What a training run ended with.
     *
     * @param group the open process group of a data-parallel run (closed by {@link #close}), else null
     */
    record TrainingOutcome(long iteration, boolean interrupted, Path sheet, TrainingSession session, String health,
                           ProcessGroup group) {
        /** Closes the session and leaves the job. */
        void close() {
            session.close();
            if (group != null) {
                group.close();
            }
        }
    }

    /**
     * Trains (or resumes) in {@code runDir}. The returned session is still open, for callers
     * that evaluate afterwards (the demo); close it.
     */
    static TrainingOutcome runKeepingSession(String preset, Path runDir, List<String> overrides, boolean resume)
            throws Exception {
        return runKeepingSession(preset, runDir, overrides, resume, null);
    }

    /** As above; {@code init}, when given, is a checkpoint whose weights a new run starts from. */
    static TrainingOutcome runKeepingSession(String preset, Path runDir, List<String> overrides, boolean resume,
                                             Path init) throws Exception {
        return runKeepingSession(preset, runDir, overrides, resume, init, WorldSpec.single());
    }

    /** The configuration of a run, and the checkpoint it resumes from (null for a new run). */
    record Resolved(TrainConfig config, Path checkpoint) {
    }

    /** What a run starts from: validates the options against the run folder and builds the configuration. */
    static Resolved resolve(String preset, Path runDir, List<String> overrides, boolean resume, Path init)
            throws Exception {
        TrainConfig config;
        Path checkpoint = null;
        Path checkpointsDir = runDir.resolve("checkpoints");
        // Any checkpoint file, good or damaged: a new run must not start over a folder of them.
        boolean hasCheckpoints = Files.isDirectory(checkpointsDir)
                && !new org.biggan4j.checkpoint.CheckpointStore(runDir, 1, "").list().isEmpty();
        if (resume) {
            checkpoint = new org.biggan4j.checkpoint.CheckpointStore(runDir, 1, "").latest().orElseThrow(() ->
                    hasCheckpoints
                            ? new org.biggan4j.checkpoint.CheckpointException("Nothing to resume: no checkpoint in "
                                    + checkpointsDir + " passes verification (each is named above with what is "
                                    + "wrong): restore a good copy, or start a new run in another --out.")
                            : new IllegalArgumentException("Nothing to resume: " + runDir + " holds no checkpoint. "
                                    + "Start the run without --resume."));
            TrainedGenerator.requireWithinLimit(checkpoint);
            config = ConfigLoader.withOverrides(CheckpointFile.header(checkpoint).config(), overrides);
        } else {
            if (hasCheckpoints) {
                throw new IllegalArgumentException("Run folder " + runDir + " already holds checkpoints: continue it with "
                        + "--resume, or choose another --out.");
            }
            if (preset == null) {
                throw new IllegalArgumentException("--preset is required (one of " + String.join(", ",
                        ConfigLoader.PRESETS) + ", or a YAML file) unless --resume is given.");
            }
            config = init == null ? ConfigLoader.load(preset, overrides) : initConfig(preset, overrides, init);
        }
        return new Resolved(config, checkpoint);
    }

    /**
     * As above, as rank {@code world.rank()} of a data-parallel job when {@code world} has more
     * than one process: the ranks join through c10d, check that they run the same configuration,
     * start from rank 0's weights, and keep in step (see {@link Replicas}); rank 0 alone writes
     * the run folder (configuration, metrics, sheets, checkpoints, health), the others only
     * train. Every rank reads the checkpoint it resumes from, so the run folder must be shared by
     * all machines (one machine's disk with {@code --nproc}; a network file system across machines).
     */
    static TrainingOutcome runKeepingSession(String preset, Path runDir, List<String> overrides, boolean resume,
                                             Path init, WorldSpec world) throws Exception {
        Resolved resolved = resolve(preset, runDir, overrides, resume, init);
        TrainConfig config = resolved.config();
        Path checkpoint = resolved.checkpoint();
        boolean distributed = world.worldSize() > 1;
        if (distributed) {
            requireDistributable(config);
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
            removeStaleTemporaries(runDir);
        }
        ProcessGroup group = distributed ? joinChecked(world, config) : null;
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
                org.slf4j.LoggerFactory.getLogger(TrainCommand.class).info(InitialWeights.describe(
                        InitialWeights.apply(session, TrainedGenerator.resolve(init)), init));
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
            Listeners listeners = world.isLeader() ? listeners(config, stop, evaluation)
                    : new Listeners(List.of(), null, null);
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
            return new TrainingOutcome(last, last < session.config().training().iterations(),
                    listeners.sheets() == null ? null : listeners.sheets().latest(), session,
                    listeners.health() == null || listeners.health().monitor() == null ? null
                            : listeners.health().monitor().stopMessage(), group);
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

    /**
     * Joins the job and refuses to train when this rank's configuration differs from rank 0's
     * (a stale preset file on one machine, a missing --set), naming the first differing key.
     */
    private static ProcessGroup joinChecked(WorldSpec world, TrainConfig config) throws Exception {
        ProcessGroup group = ProcessGroup.join(world, java.time.Duration.ofSeconds(config.distributed().timeoutS()),
                org.biggan4j.tensor.ComputeDevice.parse(config.device()));
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
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(ConfigLoader.toJson(config));
        tree.remove(List.of("device", "threads"));
        return mapper.writeValueAsString(tree);
    }

    /** The first key whose value differs between two configurations (as JSON), as "key (mine vs rank 0's)". */
    static String firstDifference(String mineJson, String leadersJson) throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        String found = firstDifference("", mapper.readTree(mineJson), mapper.readTree(leadersJson));
        return found == null ? "an unknown key" : found;
    }

    private static String firstDifference(String path, com.fasterxml.jackson.databind.JsonNode a,
                                          com.fasterxml.jackson.databind.JsonNode b) {
        if (a.isObject() && b.isObject()) {
            var names = new java.util.LinkedHashSet<String>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                var x = a.path(name);
                var y = b.path(name);
                String found = firstDifference(path.isEmpty() ? name : path + "." + name, x, y);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        return a.equals(b) ? null : path + " (" + a + " here, " + b + " on rank 0)";
    }

    /** The listeners of a training run, in running order, with those callers look at afterwards. */
    record Listeners(List<TrainingListener> all, SampleSheetListener sheets, HealthListeners health) {
    }

    /**
     * The listeners of a {@code train} run in the order they must run: the periodic evaluation
     * (when given) first, so that its figures join the metrics record and the checkpoint of their
     * iteration and reach the collapse monitor before it judges that iteration; health before
     * checkpoints, so that a checkpoint stores the collapse detector's state of its iteration.
     */
    static Listeners listeners(TrainConfig config, StopSignal stop, EvaluationListener evaluation) {
        SampleSheetListener sheets = new SampleSheetListener();
        HealthListeners health = HealthListeners.of(config, stop);
        MetricsLogger metrics = new MetricsLogger();
        CheckpointListener checkpoints = new CheckpointListener();
        List<TrainingListener> all = new ArrayList<>();
        if (evaluation != null) {
            metrics.declareColumns(evaluation.metricNames());
            evaluation.to(EvaluationListener.toMetrics(metrics)).to(EvaluationListener.toCheckpoints(checkpoints));
            if (health.monitor() != null) {
                evaluation.to(EvaluationListener.qualityOnly(health.monitor()::observeQuality));
            }
            all.add(evaluation);
        }
        all.addAll(List.of(metrics, new ProgressListener(), sheets));
        all.addAll(health.list());
        all.add(checkpoints);
        all.add(new LossPlotListener());
        return new Listeners(all, sheets, health);
    }

    /**
     * The preset's configuration with the model section of {@code init}'s checkpoint (the
     * weights fix the architecture), then the user's overrides.
     */
    private static TrainConfig initConfig(String preset, List<String> overrides, Path init) throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(
                ConfigLoader.toJson(ConfigLoader.load(preset, List.of())));
        Path file = TrainedGenerator.resolve(init);
        TrainedGenerator.requireWithinLimit(file);
        json.set("model", mapper.readTree(CheckpointFile.header(file).configJson()).path("model"));
        return ConfigLoader.withOverrides(ConfigLoader.fromJson(mapper.writeValueAsString(json)), overrides);
    }

    static TrainingOutcome run(String preset, Path runDir, List<String> overrides, boolean resume, Path init,
                               WorldSpec world) throws Exception {
        TrainingOutcome outcome = runKeepingSession(preset, runDir, overrides, resume, init, world);
        outcome.close();
        return outcome;
    }
}
