package org.biggan4j.cli;

import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.train.InitialWeights;
import org.biggan4j.config.TrainConfig;
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
        TrainingOutcome outcome = run(preset, out, all, resume, init);
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
        long next = CheckpointFile.manifest(latest.get()).path("iteration").asLong() + 1;
        List<String> out = new ArrayList<>();
        if (which != MomentReset.D) {
            out.add("interventions.reset_moments_g_at=" + next);
        }
        if (which != MomentReset.G) {
            out.add("interventions.reset_moments_d_at=" + next);
        }
        return out;
    }

    /** What a training run ended with. */
    record TrainingOutcome(long iteration, boolean interrupted, Path sheet, TrainingSession session, String health) {
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
        TrainConfig config;
        Path checkpoint = null;
        Path checkpointsDir = runDir.resolve("checkpoints");
        boolean hasCheckpoints = Files.isDirectory(checkpointsDir)
                && new org.biggan4j.checkpoint.CheckpointStore(runDir, 1, "").latest().isPresent();
        if (resume) {
            checkpoint = new org.biggan4j.checkpoint.CheckpointStore(runDir, 1, "").latest().orElseThrow(() ->
                    new IllegalArgumentException("Nothing to resume: " + runDir + " holds no checkpoint. Start the run "
                            + "without --resume."));
            String stored = new com.fasterxml.jackson.databind.ObjectMapper()
                    .writeValueAsString(CheckpointFile.manifest(checkpoint).path("config"));
            config = ConfigLoader.withOverrides(ConfigLoader.fromJson(stored), overrides);
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
        Files.createDirectories(runDir);
        TrainingSession session = SessionFactory.create(config, runDir);
        EvaluationListener evaluation = null;
        try {
            if (checkpoint != null) {
                session.restore(checkpoint);
            }
            if (init != null) {
                org.slf4j.LoggerFactory.getLogger(TrainCommand.class).info(InitialWeights.describe(
                        InitialWeights.apply(session, TrainedGenerator.resolve(init)), init));
            }
            // Before anything is written into the run folder: a feature network that does not fit the
            // data is a configuration error.
            if (config.output().evalEvery() > 0) {
                evaluation = EvaluationListener.open(session);
            }
            org.biggan4j.io.AtomicFiles.writeBytes(runDir.resolve("config.yaml"),
                    ConfigLoader.toYaml(config).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StopSignal stop = new StopSignal().installShutdownHook(120);
            Listeners listeners = listeners(config, stop, evaluation);
            long last = new TrainingLoop(session, listeners.all(), stop).run();
            return new TrainingOutcome(last, last < session.config().training().iterations(),
                    listeners.sheets().latest(), session,
                    listeners.health().monitor() == null ? null : listeners.health().monitor().stopMessage());
        } catch (RuntimeException e) {
            if (evaluation != null) {
                evaluation.close();
            }
            session.close();
            throw e;
        }
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
        json.set("model", CheckpointFile.manifest(TrainedGenerator.resolve(init)).path("config").path("model"));
        return ConfigLoader.withOverrides(ConfigLoader.fromJson(mapper.writeValueAsString(json)), overrides);
    }

    static TrainingOutcome run(String preset, Path runDir, List<String> overrides, boolean resume, Path init)
            throws Exception {
        TrainingOutcome outcome = runKeepingSession(preset, runDir, overrides, resume, init);
        outcome.session().close();
        return outcome;
    }
}
