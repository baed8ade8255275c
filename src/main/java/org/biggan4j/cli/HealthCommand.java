package org.biggan4j.cli;

import org.biggan4j.health.HealthReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code biggan4j health RUN}: the training-health page of a finished or running run. */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Write RUN/health/index.html and its PNGs: losses, singular-value spectra (G's first layer "
                + "highlighted), the collapse detector's decisions and the sample sheets on one timeline. Works on a "
                + "run that is still training.")
public final class HealthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "A run folder (the --out of `biggan4j train`).")
    Path run;

    @Override
    public Integer call() {
        HealthReport.Result r = HealthReport.write(run);
        PrintWriter w = spec.commandLine().getOut();
        w.printf("Health page: %s (%d images, %d collapse decisions, last iteration %d)%n",
                r.page().toAbsolutePath(), r.images().size(), r.decisions(), r.lastIteration());
        w.flush();
        return 0;
    }
}
