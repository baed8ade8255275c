package org.biggan4j.cli;

import org.biggan4j.serve.DashboardServer;
import org.biggan4j.serve.sampler.SamplerRoutes;
import org.biggan4j.tensor.ComputeDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code biggan4j serve}: the web dashboard of runs and the interactive sampler. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a web dashboard of training runs: every run under the folders with its state, a live "
                + "page per run (losses, penalties, learning rates, gradient norms, FID/class accuracy, singular "
                + "values, collapse decisions, sample sheets, configuration), runs overlaid, and an interactive sampler of "
                + "any served checkpoint (/sampler) with the code of `biggan4j sample`. Binds 127.0.0.1; any "
                + "other --host requires a token (printed at start, or --token). Stop it with Ctrl-C.")
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions runtime;

    @Parameters(arity = "0..*", paramLabel = "RUNS_DIR|RUN|CHECKPOINT",
            description = "Folders of runs (searched 4 levels down), run folders or .b4j checkpoints (default: .).")
    List<Path> sources = new ArrayList<>();

    @Option(names = "--port", paramLabel = "P", description = "Port (default ${DEFAULT-VALUE}; 0 = any free one).")
    int port = DashboardServer.DEFAULT_PORT;

    @Option(names = "--host", paramLabel = "H",
            description = "Address to bind (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 = every interface, "
                    + "which requires a token).")
    String host = DashboardServer.DEFAULT_HOST;

    @Option(names = "--token", paramLabel = "T",
            description = "The token every request must carry (16+ of A-Z a-z 0-9 . _ ~ -). Default: none on "
                    + "127.0.0.1, a random one printed at start on any other address.")
    String token;

    @Override
    public Integer call() throws Exception {
        List<Path> served = sources.isEmpty() ? List.of(Path.of(".")) : sources;
        ComputeDevice device = runtime.apply();   // where the sampler runs G
        DashboardServer.Options options = DashboardServer.Options.of(served).at(host, port).withToken(token)
                .withRoutes((app, folders) -> SamplerRoutes.install(app, folders::checkpoints, device));
        DashboardServer server = DashboardServer.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "biggan4j-serve-stop"));
        PrintWriter w = spec.commandLine().getOut();
        w.printf("Serving %d run(s) and %d checkpoint(s) of %s%n", server.folders().runs().size(),
                server.checkpoints().size(), served);
        w.printf("Open %s%n", server.url());
        if (server.token() != null) {
            w.println("Every request must carry this token (the link sets it as a cookie); keep it private.");
        }
        w.println("Ctrl-C stops the server.");
        w.flush();
        stopped.await();
        return 0;
    }
}
