package org.biggan4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.io.BadInputException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server over HTTP without a browser: the security defaults, path checks, limits and the API. */
class DashboardServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path runs;
    static DashboardServer local;

    @BeforeAll
    static void runs() throws Exception {
        runs = dir.resolve("runs");
        Path a = FakeRuns.create(runs.resolve("a"), 1000, "data");
        FakeRuns.write(a, 1, 200);
        Files.writeString(dir.resolve("secret.txt"), "secret");
        local = DashboardServer.start(DashboardServer.Options.of(List.of(runs)).at("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    private static HttpResponse<String> get(int port, String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request written by hand: the Host header and an unnormalised path exactly as given. */
    private static int raw(int port, String path, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    @Test
    void loopbackWithoutTokenAnswersOnlyToLocalhost() throws Exception {
        assertNotNull(local.url());
        assertEquals(null, local.token());
        HttpResponse<String> runsPage = get(local.port(), "/api/runs");
        assertEquals(200, runsPage.statusCode());
        assertTrue(runsPage.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        assertEquals("nosniff", runsPage.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals(200, raw(local.port(), "/api/runs", "localhost:" + local.port()));
        // DNS rebinding: a page of evil.example whose name resolves to 127.0.0.1 is refused.
        assertEquals(403, raw(local.port(), "/api/runs", "evil.example:" + local.port()));
        assertEquals(403, raw(local.port(), "/static/common.js", "evil.example"));
    }

    @Test
    void anyOtherHostRequiresTheTokenOnEveryRequest() throws Exception {
        try (DashboardServer open = DashboardServer.start(DashboardServer.Options.of(List.of(runs))
                .at("0.0.0.0", 0).withRoutes((app, folders) -> app.get("/probe", ctx -> ctx.result("installed, checkpoints: "
                        + folders.checkpoints().size()))))) {
            String token = open.token();
            assertNotNull(token, "a token is generated for a non-loopback bind");
            assertTrue(token.length() >= 32);
            assertTrue(open.url().endsWith("/?token=" + token));
            int port = open.port();
            for (String path : List.of("/", "/run?id=runs/a", "/api/runs", "/api/file?id=runs/a&path=config.yaml",
                    "/static/common.js", DashboardServer.ECHARTS, "/probe")) {
                assertEquals(401, get(port, path).statusCode(), path + " without the token");
                assertEquals(401, get(port, path + (path.contains("?") ? "&" : "?") + "token=wrong-token-0123456789")
                        .statusCode(), path + " with a wrong token");
            }
            HttpResponse<String> withToken = get(port, "/?token=" + token);
            assertEquals(200, withToken.statusCode());
            String cookie = withToken.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
            String pair = cookie.substring(0, cookie.indexOf(';'));
            assertEquals(200, get(port, "/api/runs", "Cookie", pair).statusCode(), "the cookie the link set");
            assertEquals(200, get(port, DashboardServer.ECHARTS, "Cookie", pair).statusCode());
            assertEquals("installed, checkpoints: 0", get(port, "/probe", "Authorization", "Bearer " + token).body());
        }
        assertThrows(BadInputException.class, () -> DashboardServer.Options.of(List.of(runs)).withToken("short"));
        String given = "a-token-of-my-own-0123";
        try (DashboardServer loopbackWithToken = DashboardServer.start(DashboardServer.Options.of(List.of(runs))
                .at("127.0.0.1", 0).withToken(given))) {
            assertEquals(401, get(loopbackWithToken.port(), "/api/runs").statusCode(), "--token applies on loopback too");
            assertEquals(200, get(loopbackWithToken.port(), "/api/runs?token=" + given).statusCode());
        }
    }

    @Test
    void pathsOutOfTheRunFoldersAreRefused() throws Exception {
        int port = local.port();
        assertEquals(200, get(port, "/api/file?id=runs/a&path=config.yaml").statusCode());
        assertTrue(get(port, "/api/file?id=runs/a&path=config.yaml").headers().firstValue("Content-Type").orElse("")
                .startsWith("text/plain"), "files other than images are served as text, never as HTML");
        assertEquals(200, get(port, "/api/file?id=runs/a&path=samples/iter-000000100.png").statusCode());
        assertEquals(403, get(port, "/api/file?id=runs/a&path=..%2F..%2Fsecret.txt").statusCode());
        assertEquals(403, get(port, "/api/file?id=runs/a&path=samples%2F..%2F..%2F..%2Fsecret.txt").statusCode());
        assertEquals(403, get(port, "/api/file?id=runs/a&path=" + dir.resolve("secret.txt")).statusCode());
        assertEquals(404, get(port, "/api/file?id=runs%2F..&path=secret.txt").statusCode());
        assertEquals(404, get(port, "/api/tail?id=runs/a&file=..%2Fsecret").statusCode());
        // Dot segments in the URL path itself: Jetty refuses them or they resolve to nothing served.
        for (String path : List.of("/static/../../../../etc/passwd", "/static/..%2F..%2F..%2Fetc%2Fpasswd",
                "/static/%2e%2e/%2e%2e/secret.txt", "/webjars/../../../../etc/passwd")) {
            int status = raw(port, path, "localhost");
            assertTrue(Set.of(400, 403, 404).contains(status), path + " answered " + status);
        }
    }

    @Test
    void requestSizesAndRatesAreBounded() throws Exception {
        try (DashboardServer server = DashboardServer.start(new DashboardServer.Options(List.of(runs), "127.0.0.1", 0,
                null, 1024, 1, 5, List.of((app, folders) -> app.post("/echo", ctx -> ctx.result(ctx.body())))))) {
            int port = server.port();
            HttpResponse<String> small = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, small.statusCode());
            HttpResponse<String> large = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(4096))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, large.statusCode());
            int limited = 0;
            for (int i = 0; i < 10; i++) {
                if (get(port, "/api/runs").statusCode() == 429) {
                    limited++;
                }
            }
            assertTrue(limited >= 5, "a burst of 5 at 1/s: most of 10 quick requests are refused, got " + limited);
        }
    }

    @Test
    void theApiReadsRunsIncrementally() throws Exception {
        Path live = FakeRuns.create(runs.resolve("live"), 100_000, "data");
        local.folders().rescan();
        FakeRuns.write(live, 1, 50);
        JsonNode first = JSON.readTree(get(local.port(), "/api/tail?id=runs/live&file=metrics").body());
        assertEquals(5, first.path("records").size());
        FakeRuns.write(live, 51, 80);
        JsonNode second = JSON.readTree(get(local.port(), "/api/tail?id=runs/live&file=metrics&offset="
                + first.path("offset").asLong() + "&generation=" + first.path("generation").asText()).body());
        assertFalse(second.path("reset").asBoolean());
        assertEquals(3, second.path("records").size());
        assertEquals(60, second.path("records").get(0).path("iteration").asInt());
        JsonNode list = JSON.readTree(get(local.port(), "/api/runs").body());
        JsonNode row = null;
        for (JsonNode r : list.path("runs")) {
            if (r.path("id").asText().equals("runs/live")) {
                row = r;
            }
        }
        assertNotNull(row);
        assertEquals("training", row.path("status").asText());
        assertEquals(80, row.path("iteration").asLong());
        assertEquals(20.0, row.path("iterationsPerSecond").asDouble(), 1e-9);
        assertEquals(400, get(local.port(), "/api/tail?id=runs/live&file=metrics&offset=abc").statusCode());
    }
}
