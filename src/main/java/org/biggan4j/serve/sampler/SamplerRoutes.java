package org.biggan4j.serve.sampler;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.PngFiles;
import org.biggan4j.run.SamplingJob;
import org.biggan4j.sample.ClassNames;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The interactive sampler's routes on a Javalin app:
 * <ul>
 *   <li>{@code GET /sampler} (optionally {@code ?checkpoint=ID}): the page, with its script and
 *       style at {@code /sampler/sampler.js} and {@code /sampler/sampler.css};</li>
 *   <li>{@code GET /api/sampler/checkpoints}: the checkpoints the server may open, by display id;</li>
 *   <li>{@code GET /api/sampler/model?checkpoint=ID}: loads (once) and describes a generator;</li>
 *   <li>{@code GET /api/sampler/classes?checkpoint=ID&q=TEXT}: classes whose names, synonyms,
 *       WordNet id or id contain TEXT (at most {@value #MAX_CLASSES});</li>
 *   <li>{@code POST /api/sampler/generate}: JSON {@code {checkpoint, client, mode, classA, classB,
 *       truncation, seed, toSeed, count, steps, weight}} to PNGs (base64), their file names and the
 *       {@code biggan4j sample} command that writes the same pixels;</li>
 *   <li>{@code POST /api/sampler/cancel?client=C}: drops the client's request (a page going away).</li>
 * </ul>
 * Access checks (token, Host, rates, request sizes) are the server's, applied to every route.
 * Every string from a checkpoint goes out as JSON data, which the page shows as text.
 */
public final class SamplerRoutes {

    /** The checkpoints a server lets the sampler open. */
    public interface Checkpoints {
        /** Display id to checkpoint file, for every checkpoint the sampler may open. */
        SortedMap<String, Path> list();
    }

    /** Classes listed per search: enough to choose from, small enough to render at once. */
    static final int MAX_CLASSES = 60;
    /** Generators kept loaded: two lets a person compare checkpoints without reloading. */
    static final int CACHED_MODELS = 2;
    private static final int MAX_CLIENT_ID = 64;
    /** Longer than any ImageNet synonym list; a longer search matches nothing anyway. */
    private static final int MAX_QUERY = 200;
    private static final String RESOURCES = "/org/biggan4j/serve/sampler/";

    private final Checkpoints checkpoints;
    private final ComputeDevice device;
    private final SamplerWorker worker = new SamplerWorker();
    private final ModelCache cache;
    /** What the page needs to know of a loaded generator, readable from any request thread. */
    private final Map<Path, Model> models = new ConcurrentHashMap<>();

    private record Model(Map<String, Object> description, ClassNames names, int classCount) {
    }

    private SamplerRoutes(Checkpoints checkpoints, ComputeDevice device) {
        this.checkpoints = checkpoints;
        this.device = device;
        this.cache = new ModelCache(CACHED_MODELS, device);
    }

    /** Installs the sampler on {@code app}, generating on the CPU. */
    public static void install(Javalin app, Checkpoints checkpoints) {
        install(app, checkpoints, ComputeDevice.CPU);
    }

    /** Installs the sampler on {@code app}, generating on {@code device}. */
    public static void install(Javalin app, Checkpoints checkpoints, ComputeDevice device) {
        SamplerRoutes routes = new SamplerRoutes(checkpoints, device);
        app.get("/sampler", ctx -> resource(ctx, "sampler.html", "text/html; charset=utf-8"));
        app.get("/sampler/sampler.js", ctx -> resource(ctx, "sampler.js", "text/javascript; charset=utf-8"));
        app.get("/sampler/sampler.css", ctx -> resource(ctx, "sampler.css", "text/css; charset=utf-8"));
        app.get("/api/sampler/checkpoints", routes::listCheckpoints);
        app.get("/api/sampler/model", routes::describe);
        app.get("/api/sampler/classes", routes::classes);
        app.post("/api/sampler/generate", routes::generate);
        app.post("/api/sampler/cancel", ctx -> {
            routes.worker.cancel(clientOf(ctx.queryParam("client")));
            ctx.status(HttpStatus.NO_CONTENT);
        });
        app.events(events -> events.serverStopped(routes::close));
    }

    private void close() {
        worker.runAndWait(cache::close);
        worker.close();
    }

    private static void resource(Context ctx, String name, String type) throws IOException {
        try (InputStream in = SamplerRoutes.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("The sampler's " + name + " is missing from the jar.");
            }
            ctx.contentType(type).header("Cache-Control", "no-store").result(in.readAllBytes());
        }
    }

    private void listCheckpoints(Context ctx) {
        List<Map<String, Object>> list = new ArrayList<>();
        checkpoints.list().forEach((id, path) -> list.add(Map.of("id", id, "file", path.getFileName().toString())));
        ctx.json(Map.of("checkpoints", list));
    }

    private void describe(Context ctx) {
        Path file = checkpoint(ctx, ctx.queryParam("checkpoint"));
        if (file == null) {
            return;
        }
        ctx.future(() -> model(file).handle((model, error) -> {
            if (error != null) {
                fail(ctx, error);
            } else {
                ctx.json(model.description());
            }
            return null;
        }));
    }

    private void classes(Context ctx) {
        Path file = checkpoint(ctx, ctx.queryParam("checkpoint"));
        if (file == null) {
            return;
        }
        String q = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").strip().toLowerCase(Locale.ROOT);
        if (q.length() > MAX_QUERY) {
            error(ctx, HttpStatus.BAD_REQUEST, "A class search is at most " + MAX_QUERY + " characters.");
            return;
        }
        ctx.future(() -> model(file).handle((model, error) -> {
            if (error != null) {
                fail(ctx, error);
                return null;
            }
            List<Map<String, Object>> found = new ArrayList<>();
            int total = 0;
            for (int id = 0; id < model.classCount(); id++) {
                if (matches(model.names(), id, q)) {
                    total++;
                    if (found.size() < MAX_CLASSES) {
                        Map<String, Object> c = new LinkedHashMap<>();
                        c.put("id", id);
                        c.put("label", model.names().label(id));
                        c.put("synonyms", model.names().synonyms(id));
                        c.put("wnid", model.names().wnid(id).orElse(null));
                        found.add(c);
                    }
                }
            }
            ctx.json(Map.of("classes", found, "total", total));
            return null;
        }));
    }

    private static boolean matches(ClassNames names, int id, String q) {
        if (q.isEmpty() || String.valueOf(id).equals(q)) {
            return true;
        }
        if (names.wnid(id).map(w -> w.toLowerCase(Locale.ROOT).contains(q)).orElse(false)) {
            return true;
        }
        List<String> synonyms = names.synonyms(id).isEmpty() ? List.of(names.label(id)) : names.synonyms(id);
        return synonyms.stream().anyMatch(s -> s.toLowerCase(Locale.ROOT).contains(q));
    }

    /** The page's request, as JSON. Absent numbers take the page's defaults. */
    record GenerateBody(String checkpoint, String client, String mode, Integer classA, Integer classB,
                        Double truncation, Long seed, Long toSeed, Integer count, Integer steps, Double weight) {
    }

    private void generate(Context ctx) {
        GenerateBody body;
        try {
            body = ctx.bodyAsClass(GenerateBody.class);
        } catch (Exception e) { // Javalin passes Jackson's checked parse errors through undeclared
            error(ctx, HttpStatus.BAD_REQUEST, "The request is not the sampler's JSON.");
            return;
        }
        if (body == null) {
            error(ctx, HttpStatus.BAD_REQUEST, "The request is not the sampler's JSON.");
            return;
        }
        Path file = checkpoint(ctx, body.checkpoint());
        if (file == null) {
            return;
        }
        SampleOrder order;
        try {
            order = new SampleOrder(SampleOrder.mode(body.mode()), body.classA(), body.classB(),
                    body.truncation() == null ? 0 : body.truncation(), body.seed() == null ? 0 : body.seed(),
                    body.toSeed() == null ? (body.seed() == null ? 1 : body.seed() + 1) : body.toSeed(),
                    body.count() == null ? 4 : body.count(), body.steps() == null ? 8 : body.steps(),
                    body.weight() == null ? 0.5 : body.weight());
        } catch (IllegalArgumentException e) {
            error(ctx, HttpStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        String client = clientOf(body.client());
        ctx.future(() -> worker.submit(client, cancelled -> make(file, order, cancelled)).handle((answer, error) -> {
            if (error != null) {
                fail(ctx, error);
            } else {
                ctx.json(answer);
            }
            return null;
        }));
    }

    /** On the worker thread: the images, their names and the command. */
    private Map<String, Object> make(Path file, SampleOrder order, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        TrainedGenerator trained = loaded(file);
        List<String> options = order.options(trained, device);
        SamplingJob.Images made;
        try {
            made = SamplingJob.generate(order.request(file, options), trained, device, cancelled);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Map<String, Object>> images = new ArrayList<>();
        for (int i = 0; i < made.images().size(); i++) {
            ImageBytes image = made.images().get(i);
            byte[] png;
            try {
                png = PngFiles.encode(image);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            images.add(Map.of("name", made.fileNames().get(i), "png", Base64.getEncoder().encodeToString(png)));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("mode", order.mode().name().toLowerCase(Locale.ROOT));
        answer.put("images", images);
        answer.put("columns", made.columns());
        answer.put("command", order.command(file, options));
        answer.put("summary", made.summary());
        answer.put("millis", (System.nanoTime() - start) / 1_000_000);
        return answer;
    }

    /** The description of a checkpoint's generator, loading it on the worker when needed. */
    private CompletableFuture<Model> model(Path file) {
        Model known = models.get(file);
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        // A client of its own: describing a model never cancels a page's generation.
        return worker.submit("describe/" + UUID.randomUUID(), cancelled -> {
            loaded(file);
            return models.get(file);
        });
    }

    /** On the worker thread: the cached generator, with its description recorded. */
    private TrainedGenerator loaded(Path file) {
        TrainedGenerator trained = cache.get(file);
        var g = trained.generator();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("iteration", trained.iteration());
        d.put("weights", trained.ema() ? "G_ema" : "G");
        d.put("architecture", trained.config().model().architecture().name().toLowerCase(Locale.ROOT));
        d.put("classes", g.numClasses());
        d.put("named", !trained.classNames().isEmpty());
        d.put("resolution", g.resolution());
        d.put("channels", g.imageChannels());
        d.put("mixes", g.acceptsSoftClasses());
        // Imported BigGAN-deep: truncation in (0, 1], choosing tabulated BatchNorm statistics.
        d.put("tabulatedTruncation", g.truncationIndexedStatistics());
        d.put("maxImages", SampleOrder.MAX_IMAGES);
        models.put(file, new Model(d, trained.classNames(), g.numClasses()));
        return trained;
    }

    /** The file of a listed checkpoint id; answers 404 and returns null for any other id. */
    private Path checkpoint(Context ctx, String id) {
        Path file = id == null ? null : checkpoints.list().get(id);
        if (file == null) {
            error(ctx, HttpStatus.NOT_FOUND, "No checkpoint with this id is served here.");
        }
        return file;
    }

    private static String clientOf(String client) {
        if (client == null || client.isBlank() || client.length() > MAX_CLIENT_ID) {
            return "anonymous";
        }
        return client;
    }

    private static void fail(Context ctx, Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof CancellationException) {
            error(ctx, HttpStatus.CONFLICT, "Cancelled: a newer request from this page replaced it.");
        } else if (e instanceof SamplerWorker.BusyException) {
            error(ctx, HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        } else if (e instanceof IllegalArgumentException) {
            error(ctx, HttpStatus.BAD_REQUEST, e.getMessage());
        } else {
            error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "Generating failed: " + e.getMessage());
        }
    }

    private static void error(Context ctx, HttpStatus status, String message) {
        ctx.status(status).json(Map.of("error", message == null ? status.getMessage() : message));
    }
}
