package org.biggan4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import io.javalin.http.staticfiles.Location;
import org.biggan4j.health.CollapseMonitor;
import org.biggan4j.health.SpectraTracker;
import org.biggan4j.io.BadInputException;
import org.biggan4j.train.listener.MetricsLogger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code biggan4j serve}: a web dashboard over run folders, on Javalin. Pages (static HTML, CSS
 * and JavaScript from {@code org/biggan4j/serve/static}, ECharts from its WebJar; nothing from a
 * CDN) fetch JSON from a small API and fill themselves in with {@code textContent}, never with
 * HTML built from run data:
 * <ul>
 *   <li>{@code GET /}: the runs, {@code GET /run?id=ID}: one run live, {@code GET /compare?run=A&run=B}
 *       (or {@code ?runs=A,B}): runs overlaid;</li>
 *   <li>{@code GET /api/runs}: a row per run ({@link RunStatus}, iteration, speed, last FID and
 *       class accuracy); {@code GET /api/run?id=}: a run's row, config.yaml, provenance, class names,
 *       sheets; {@code GET /api/tail?id=&file=metrics|spectra|health&offset=&generation=}: what a
 *       JSONL file gained since {@code offset} ({@link JsonlTail}); {@code GET /api/file?id=&path=}:
 *       a file inside a run folder; {@code GET /api/checkpoints}: the checkpoints a sampler may open.</li>
 * </ul>
 * Every request passes the {@link AccessGuard} first. Call order: {@link #start}, then
 * {@link #close} (stops the server). Route installers of {@link Options#routes} (the sampler) are
 * called after the dashboard's routes and before the server starts.
 */
public final class DashboardServer implements AutoCloseable {

    /** The address bound when none is given: this machine only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The port bound when none is given. */
    public static final int DEFAULT_PORT = 8080;
    /** Request bodies larger than this are refused (the dashboard reads none; the sampler's are small JSON). */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
    /** Requests per second a client may sustain: a page polls a few files every second or two. */
    public static final double DEFAULT_REQUESTS_PER_SECOND = 50;
    /** Requests a client may make at once (a page's first load of a long run's history, sheets). */
    public static final int DEFAULT_REQUEST_BURST = 400;
    /** The ECharts file the pages load, from the WebJar on the class path. */
    public static final String ECHARTS = "/webjars/echarts/5.3.1/dist/echarts.min.js";
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~-]{16,256}");
    private static final Map<String, Function<Path, Path>> TAILS = Map.of(
            "metrics", MetricsLogger::jsonlPath, "spectra", SpectraTracker::path, "health", CollapseMonitor::path);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Adds routes to the dashboard's Javalin app before it starts (the interactive sampler:
     * {@code (app, folders) -> SamplerRoutes.install(app, folders::checkpoints)}). The access guard
     * is a before-handler of the whole app, so the added routes are guarded like the dashboard's.
     */
    @FunctionalInterface
    public interface RouteInstaller {
        /**
         * @param app     the app, not yet started
         * @param folders the served folders: {@link RunFolders#checkpoints()} lists the checkpoints
         *                of the served runs and those named directly
         */
        void install(Javalin app, RunFolders folders);
    }

    /**
     * What to serve and how.
     *
     * @param sources           folders of runs, run folders and checkpoint files
     * @param host              the address to bind; any other than a loopback one requires a token
     * @param port              the port (0 = any free one; {@link #port()} tells which)
     * @param token             the token requests must carry, or null: none on a loopback address, a
     *                          random one (printed by the caller from {@link #url()}) on any other
     * @param maxRequestBytes   request bodies larger than this are refused
     * @param requestsPerSecond requests per second a client may sustain
     * @param requestBurst      requests a client may make at once
     * @param routes            installers of further routes (the interactive sampler's), called with
     *                          the Javalin app before it starts; the access guard covers them
     */
    public record Options(List<Path> sources, String host, int port, String token, long maxRequestBytes,
                          double requestsPerSecond, int requestBurst, List<RouteInstaller> routes) {

        public Options {
            sources = List.copyOf(sources);
            routes = List.copyOf(routes);
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new BadInputException("--host is empty: give an address such as 127.0.0.1 (the default) or "
                        + "0.0.0.0.");
            }
            if (port < 0 || port > 65535) {
                throw new BadInputException("--port " + port + " is not a port: give 1-65535, or 0 for any free one.");
            }
            if (token != null && !TOKEN.matcher(token).matches()) {
                throw new BadInputException("--token must be 16 to 256 letters, digits or . _ ~ - (it goes into a "
                        + "URL); leave it out to get a random one.");
            }
            if (maxRequestBytes < 1 || !(requestsPerSecond > 0) || requestBurst < 1) {
                throw new IllegalArgumentException("maxRequestBytes, requestsPerSecond and requestBurst must be "
                        + "positive, got " + maxRequestBytes + ", " + requestsPerSecond + " and " + requestBurst + ".");
            }
        }

        /** {@code sources} on 127.0.0.1:8080 without a token, with the default limits and no further routes. */
        public static Options of(List<Path> sources) {
            return new Options(sources, DEFAULT_HOST, DEFAULT_PORT, null, DEFAULT_MAX_REQUEST_BYTES,
                    DEFAULT_REQUESTS_PER_SECOND, DEFAULT_REQUEST_BURST, List.of());
        }

        /** These options bound to {@code host}:{@code port}. */
        public Options at(String host, int port) {
            return new Options(sources, host, port, token, maxRequestBytes, requestsPerSecond, requestBurst, routes);
        }

        /** These options with {@code token} (null: none on loopback, a random one elsewhere). */
        public Options withToken(String token) {
            return new Options(sources, host, port, token, maxRequestBytes, requestsPerSecond, requestBurst, routes);
        }

        /** These options with another rate limit. */
        public Options withRateLimit(double requestsPerSecond, int requestBurst) {
            return new Options(sources, host, port, token, maxRequestBytes, requestsPerSecond, requestBurst, routes);
        }

        /** These options with one more route installer (the sampler's, see {@link RouteInstaller}). */
        public Options withRoutes(RouteInstaller installer) {
            List<RouteInstaller> all = new ArrayList<>(routes);
            all.add(installer);
            return new Options(sources, host, port, token, maxRequestBytes, requestsPerSecond, requestBurst, all);
        }
    }

    private final Javalin app;
    private final RunFolders folders;
    private final String host;
    private final String token;
    private final Map<Path, RunDigest> digests = new ConcurrentHashMap<>();

    private DashboardServer(Javalin app, RunFolders folders, String host, String token) {
        this.app = app;
        this.folders = folders;
        this.host = host;
        this.token = token;
    }

    /**
     * Starts serving.
     *
     * @throws BadInputException when a source does not exist, the host is unknown, or the port is taken
     */
    public static DashboardServer start(Options options) {
        InetAddress address;
        try {
            address = InetAddress.getByName(options.host());
        } catch (UnknownHostException e) {
            throw new BadInputException("--host " + options.host() + " is not an address of this machine: give "
                    + "127.0.0.1 (the default), 0.0.0.0 (every interface) or one of its addresses.");
        }
        boolean loopback = address.isLoopbackAddress();
        String token = options.token() != null ? options.token() : loopback ? null : randomToken();
        RunFolders folders = RunFolders.of(options.sources());
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.maxRequestSize = options.maxRequestBytes();
            config.staticFiles.enableWebjars();
            config.staticFiles.add(files -> {
                files.hostedPath = "/static";
                files.directory = "/org/biggan4j/serve/static";
                files.location = Location.CLASSPATH;
            });
        });
        DashboardServer server = new DashboardServer(app, folders, options.host(), token);
        RateLimiter limiter = new RateLimiter(options.requestsPerSecond(), options.requestBurst());
        // The guard asks for the bound port (its cookie's name) per request: with port 0 it is known only after start.
        app.before(new AccessGuard(token, app::port, limiter));
        server.routes();
        options.routes().forEach(installer -> installer.install(app, folders));
        try {
            app.start(options.host(), options.port());
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    throw new BadInputException("Port " + options.port() + " on " + options.host() + " cannot be "
                            + "bound (" + t.getMessage() + "): choose another with --port (0 = any free port).", e);
                }
            }
            throw e;
        }
        return server;
    }

    /** The bound port. */
    public int port() {
        return app.port();
    }

    /** The token requests must carry, or null when none is required (loopback without --token). */
    public String token() {
        return token;
    }

    /** The address to open in a browser, with the token when one is required. */
    public String url() {
        String shown = host;
        try {
            InetAddress a = InetAddress.getByName(host);
            if (a.isAnyLocalAddress()) {
                shown = InetAddress.getLocalHost().getHostName();
            } else if (a instanceof Inet6Address && !host.startsWith("[")) {
                shown = "[" + host + "]";
            }
        } catch (UnknownHostException e) {
            shown = host;
        }
        return "http://" + shown + ":" + port() + "/" + (token == null ? "" : "?" + AccessGuard.TOKEN_PARAMETER + "="
                + token);
    }

    /** The served folders (runs by id, their checkpoints). */
    public RunFolders folders() {
        return folders;
    }

    /**
     * The checkpoints the sampler may open, by display id: those of the served runs and those named
     * directly (the listing {@code SamplerRoutes.Checkpoints} asks for).
     */
    public SortedMap<String, Path> checkpoints() {
        return folders.checkpoints();
    }

    /** Stops the server. */
    @Override
    public void close() {
        app.stop();
    }

    private void routes() {
        app.get("/", ctx -> page(ctx, "index.html"));
        app.get("/run", ctx -> page(ctx, "run.html"));
        app.get("/compare", ctx -> page(ctx, "compare.html"));
        app.get("/api/runs", ctx -> {
            Instant now = Instant.now();
            List<RunDigest.Summary> rows = new ArrayList<>();
            folders.runs().forEach((id, run) -> rows.add(digest(run).summary(id, now)));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("runs", rows);
            out.put("checkpoints", folders.checkpoints().size());
            json(ctx, out);
        });
        app.get("/api/run", ctx -> {
            String id = ctx.queryParam("id");
            Path run = id == null ? null : folders.runs().get(id);
            if (run == null) {
                throw new NotFoundResponse("No run with this id.");
            }
            RunDigest digest = digest(run);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("summary", digest.summary(id, Instant.now()));
            out.putAll(digest.details());
            json(ctx, out);
        });
        app.get("/api/tail", ctx -> {
            String id = ctx.queryParam("id");
            Path run = id == null ? null : folders.runs().get(id);
            Function<Path, Path> file = TAILS.get(String.valueOf(ctx.queryParam("file")));
            if (run == null || file == null) {
                throw new NotFoundResponse("No such run or file (file is metrics, spectra or health).");
            }
            long offset = ctx.queryParamAsClass("offset", Long.class).getOrDefault(0L);
            String generation = ctx.queryParam("generation") == null ? "" : ctx.queryParam("generation");
            json(ctx, JsonlTail.read(file.apply(run), offset, generation, RunDigest.CHUNK_BYTES));
        });
        app.get("/api/file", ctx -> {
            Path file = folders.resolveInside(ctx.queryParam("id"), ctx.queryParam("path"));
            String name = file.getFileName().toString();
            // Only images render as what they are; any other file (a health page's HTML too) is
            // shown as text, so nothing a run folder holds runs as script on this origin.
            ctx.contentType(name.endsWith(".png") ? ContentType.IMAGE_PNG.getMimeType() : "text/plain; charset=utf-8");
            ctx.result(Files.newInputStream(file));
        });
        app.get("/api/checkpoints", ctx -> json(ctx, Map.of("checkpoints", List.copyOf(
                folders.checkpoints().keySet()))));
        app.exception(RunFolders.Refused.class, (e, ctx) -> ctx.status(e.status()).result(e.getMessage()));
        app.exception(BadInputException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).result(e.getMessage()));
    }

    private RunDigest digest(Path run) {
        if (digests.size() > RunFolders.MAX_RUNS * 2) {
            digests.keySet().retainAll(folders.runs().values());
        }
        return digests.computeIfAbsent(run, RunDigest::new);
    }

    private static void page(Context ctx, String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream("static/" + name)) {
            if (in == null) {
                throw new NotFoundResponse("No page " + name + ".");
            }
            ctx.contentType(ContentType.TEXT_HTML.getMimeType() + "; charset=utf-8").result(in.readAllBytes());
        }
    }

    private static void json(Context ctx, Object value) {
        try {
            ctx.header("Cache-Control", "no-store");
            ctx.contentType(ContentType.APPLICATION_JSON.getMimeType()).result(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Could not write a JSON answer: " + e.getMessage(), e);
        }
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
