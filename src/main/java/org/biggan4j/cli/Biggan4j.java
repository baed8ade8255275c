package org.biggan4j.cli;

import org.biggan4j.tensor.Engine;
import org.biggan4j.tensor.NativeAllocator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code biggan4j} command. Subcommands are thin: they parse options into a typed request,
 * make one call into the library and print its result. {@code train}, {@code demo}, {@code sample}
 * and {@code eval} call the run room ({@link org.biggan4j.run.TrainingRun},
 * {@link org.biggan4j.run.DemoRun}, {@link org.biggan4j.run.SamplingJob},
 * {@link org.biggan4j.run.EvaluationRun}), which programs and tests call the same way. Each returns an exit code; bad input gives one line on stderr
 * naming the value and the fix, and exit code 2 (usage) or 1 (failure).
 */
@Command(name = "biggan4j",
        mixinStandardHelpOptions = true,
        versionProvider = Biggan4j.Versions.class,
        description = "Train, sample and evaluate BigGAN-family GANs on the JVM (libtorch).",
        subcommands = {
                CommandLine.HelpCommand.class,
                PrepareCommand.class,
                SheetCommand.class,
                BenchCommand.class,
                TrainClassifierCommand.class,
                TrainCommand.class,
                DemoCommand.class,
                ArchCommand.class,
                SampleCommand.class,
                StandingStatsCommand.class,
                EvalCommand.class,
                HealthCommand.class,
                FidCommand.class,
                ImportCommand.class,
                ExportCommand.class,
                ServeCommand.class,
        })
public final class Biggan4j implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the project's error handling; tests call this too. */
    public static CommandLine commandLine() {
        return installHandlers(new CommandLine(new Biggan4j()));
    }

    /** One line and one exit code for whatever ends a command (see {@link ErrorHandler}). */
    static CommandLine installHandlers(CommandLine cl) {
        cl.setExecutionExceptionHandler(new ErrorHandler());
        // Errors (OutOfMemoryError, StackOverflowError) pass picocli's exception handler by
        // design; they get the same one line here.
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                return runLast.execute(parsed);
            } catch (OutOfMemoryError | StackOverflowError e) {
                return ErrorHandler.report(e, parsed.commandSpec().commandLine().getErr());
            }
        });
        return cl;
    }

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        int code;
        try {
            code = cl.execute(args);
        } catch (Throwable t) {
            // Errors (OutOfMemoryError, StackOverflowError) pass picocli's handler by design.
            code = ErrorHandler.report(t, cl.getErr());
        }
        System.exit(code);
    }

    /** {@code --version}: the project, libtorch and JavaCPP versions, and the C allocator in use. */
    static final class Versions implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                    "biggan4j " + Engine.projectVersion(),
                    "libtorch " + Engine.libtorchVersion() + " (JavaCPP PyTorch presets)",
                    "JavaCPP " + Engine.javacppVersion(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
                    "native allocator: " + NativeAllocator.current().description(),
            };
        }
    }
}
