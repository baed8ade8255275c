package org.biggan4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code biggan4j bench}: benchmarks (not tests; figures depend on the machine). Subcommands
 * measure one part each; add yours to the {@code subcommands} list.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure throughput of parts of the system on this machine.",
        subcommands = {
                BenchDataCommand.class,
                BenchPeakCommand.class,
                BenchModelCommand.class,
                BenchSampleCommand.class,
                BenchTrainCommand.class,
                BenchDistCommand.class,
                BenchAllocatorsCommand.class,
                BenchInceptionCommand.class,
                BenchSmallDataCommand.class,
        })
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
