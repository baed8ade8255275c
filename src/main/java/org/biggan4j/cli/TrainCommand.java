package org.biggan4j.cli;

import org.biggan4j.config.ConfigLoader;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.dist.LocalLauncher;
import org.biggan4j.dist.WorldSpec;
import org.biggan4j.run.TrainingRun;
import org.biggan4j.run.TrainingRun.MomentReset;
import org.biggan4j.tensor.Engine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        MomentReset reset = resetMoments == null ? null : parseMomentReset(resetMoments);
        WorldSpec world = WorldSpec.fromEnvironment(System.getenv());
        TrainingRun.Request request = new TrainingRun.Request(preset, out, all, resume, init, reset, world);
        if (nproc != 1) {
            return launchWorkers(request);
        }
        TrainingRun.Result outcome = TrainingRun.run(request);
        if (!world.isLeader()) {
            return 0;
        }
        PrintWriter w = spec.commandLine().getOut();
        if (outcome.healthStop() != null) {
            w.println(outcome.healthStop());
        }
        w.printf("%s at iteration %d. Run folder: %s%n", outcome.interrupted() ? "Stopped" : "Finished",
                outcome.iteration(), out.toAbsolutePath());
        if (outcome.latestSheet() != null) {
            w.printf("Latest sample sheet: %s%n", outcome.latestSheet().toAbsolutePath());
        }
        w.flush();
        return 0;
    }

    /** {@code --reset-moments}' value: g, d or both, in any case. */
    static MomentReset parseMomentReset(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "g" -> MomentReset.G;
            case "d" -> MomentReset.D;
            case "both" -> MomentReset.BOTH;
            default -> throw new IllegalArgumentException("--reset-moments takes g, d or both, got '" + value + "'.");
        };
    }

    /**
     * {@code --nproc N}: checks the settings once here (so that a bad one is reported once, not
     * by every worker), then runs N workers with this command's arguments but {@code --nproc},
     * each given its share of the cores unless {@code --threads} says otherwise.
     */
    private int launchWorkers(TrainingRun.Request request) throws Exception {
        if (nproc < 1) {
            throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc + ".");
        }
        WorldSpec world = request.world();
        if (world.worldSize() > 1) {
            throw new IllegalArgumentException("--nproc starts its own workers, but this process is already rank "
                    + world.rank() + " of " + world.worldSize() + " (RANK/WORLD_SIZE are set): leave out --nproc "
                    + "under an external launcher.");
        }
        TrainConfig config = TrainingRun.checkLaunch(request, nproc);
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
            int cores = Math.max(1, Engine.physicalCores());
            args.addAll(List.of("--threads", Integer.toString(Math.max(1, cores / nproc))));
        }
        if (args.isEmpty() || !args.get(0).equals("train")) {
            args.add(0, "train");
        }
        return LocalLauncher.launch(nproc, Biggan4j.class.getName(), args, Duration.ofSeconds(60));
    }
}
