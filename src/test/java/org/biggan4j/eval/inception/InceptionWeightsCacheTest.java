package org.biggan4j.eval.inception;

import com.sun.net.httpserver.HttpServer;
import org.biggan4j.io.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The download path against a local HTTP server: nothing here touches the network. */
class InceptionWeightsCacheTest {

    private static final byte[] WEIGHTS = new byte[300_000];

    static {
        new Random(7).nextBytes(WEIGHTS);
    }

    @TempDir
    Path cacheDir;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/weights.pth", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, WEIGHTS.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(WEIGHTS);
            }
        });
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", "/weights.pth");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/cut.pth", exchange -> {
            // Announces every byte, sends half, then drops the connection.
            exchange.sendResponseHeaders(200, WEIGHTS.length);
            exchange.getResponseBody().write(WEIGHTS, 0, WEIGHTS.length / 2);
            exchange.getResponseBody().flush();
            exchange.close();
        });
        server.createContext("/missing.pth", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The cache folder holds nothing at all (no entry, no temporary file). */
    private void assertNothingCached() throws IOException {
        if (Files.isDirectory(cacheDir)) {
            try (Stream<Path> files = Files.list(cacheDir)) {
                assertEquals(0, files.count(), "files left in the cache");
            }
        }
    }

    @Test
    void downloadsOnceFollowingRedirectsThenUsesTheVerifiedCopy() throws Exception {
        InceptionWeightsCache cache = new InceptionWeightsCache(cacheDir, url("/moved"), sha256(WEIGHTS));
        AtomicLong announced = new AtomicLong(-2);
        AtomicLong received = new AtomicLong();
        InceptionWeightsCache.Progress progress = new InceptionWeightsCache.Progress() {
            @Override
            public void started(long totalBytes) {
                announced.set(totalBytes);
            }

            @Override
            public void advanced(long bytes) {
                received.addAndGet(bytes);
            }
        };
        Path file = cache.obtain(progress);
        assertEquals(cache.file(), file);
        assertArrayEquals(WEIGHTS, Files.readAllBytes(file));
        assertEquals(WEIGHTS.length, announced.get());
        assertEquals(WEIGHTS.length, received.get());
        assertEquals(1, requests.get());

        cache.obtain(progress);
        assertEquals(1, requests.get(), "a verified cached copy needs no download");

        // A damaged copy is noticed by its hash and fetched again.
        Files.write(file, new byte[] {1, 2, 3});
        cache.obtain(progress);
        assertEquals(2, requests.get());
        assertArrayEquals(WEIGHTS, Files.readAllBytes(file));
    }

    @Test
    void aWrongHashIsRefusedAndNothingIsCached() throws Exception {
        InceptionWeightsCache cache = new InceptionWeightsCache(cacheDir, url("/weights.pth"), "ab".repeat(32));
        BadInputException e = assertThrows(BadInputException.class, () -> cache.obtain(InceptionWeightsCache.Progress.NONE));
        assertTrue(e.getMessage().contains(sha256(WEIGHTS)) && e.getMessage().contains("ab".repeat(32))
                && e.getMessage().contains("nothing was cached") && !e.getMessage().contains("\n"), e.getMessage());
        assertNothingCached();
    }

    @Test
    void anInterruptedDownloadLeavesNoCacheEntry() throws Exception {
        InceptionWeightsCache cache = new InceptionWeightsCache(cacheDir, url("/cut.pth"), sha256(WEIGHTS));
        BadInputException e = assertThrows(BadInputException.class, () -> cache.obtain(InceptionWeightsCache.Progress.NONE));
        assertTrue(e.getMessage().contains("could not be downloaded") && !e.getMessage().contains("\n"),
                e.getMessage());
        assertNothingCached();
        assertFalse(Files.exists(cache.file()));
    }

    @Test
    void anHttpErrorSaysWhereToPutTheFile() throws Exception {
        InceptionWeightsCache cache = new InceptionWeightsCache(cacheDir, url("/missing.pth"), sha256(WEIGHTS));
        BadInputException e = assertThrows(BadInputException.class, () -> cache.obtain(InceptionWeightsCache.Progress.NONE));
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains(cache.file().toString()),
                e.getMessage());
        assertNothingCached();
    }

    @Test
    void noNetworkIsOneLineSayingWhereToPutTheFile() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();   // free again once closed: nothing listens there
        }
        InceptionWeightsCache cache = new InceptionWeightsCache(cacheDir,
                URI.create("http://127.0.0.1:" + closedPort + "/weights.pth"), sha256(WEIGHTS));
        BadInputException e = assertThrows(BadInputException.class, () -> cache.obtain(InceptionWeightsCache.Progress.NONE));
        assertTrue(e.getMessage().contains("put it at " + cache.file()) && e.getMessage().contains("--inception-weights")
                && !e.getMessage().contains("\n"), e.getMessage());
        assertNothingCached();
    }

    @Test
    void thePinnedHashCarriesThePublishedPrefix() {
        // torch.hub names a file after the first 8 hex digits of its SHA-256.
        assertTrue(InceptionWeightsCache.FILE_NAME.contains(InceptionWeightsCache.PUBLISHED_SHA256.substring(0, 8)));
        assertTrue(InceptionWeightsCache.PUBLISHED_URL.toString().endsWith(InceptionWeightsCache.FILE_NAME));
        assertEquals(64, InceptionWeightsCache.PUBLISHED_SHA256.length());
    }
}
