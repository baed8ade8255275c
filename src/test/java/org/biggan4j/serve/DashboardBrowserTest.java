package org.biggan4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.run.TrainingRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real headless Chromium: the runs page with a run training in the background,
 * a live chart that gains points as metrics.jsonl grows, a real (short) training run's page read
 * from the files the library wrote, the overlay of two runs, and a run whose every string is
 * hostile HTML that must show as text and run nothing. Every page must log no console error.
 */
class DashboardBrowserTest {

    private static final String SCRIPT = "<script>alert(1)</script>";
    /** A run folder's name cannot hold '/', so the folder name carries an image with an error handler. */
    private static final String IMAGE = "<img src=x onerror=alert(1)>";

    @TempDir
    static Path dir;
    static DashboardServer server;
    static Browser browser;
    static FakeRuns.Trainer trainer;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Path runs = dir.resolve("runs");
        // A real run, written by the library: 4 iterations of a tiny fmnist-demo with a record, sheet,
        // checkpoint and spectra every 2.
        Path real = runs.resolve("fmnist-real");
        TrainingRun.run(TrainingRun.Request.start("fmnist-demo", real, List.of("model.ch=4", "training.batch_size=8",
                "training.iterations=4", "output.log_every=1", "output.sample_every=2", "output.checkpoint_every=2",
                "output.eval_every=0", "output.sample_columns=4", "output.standing_stats=1", "health.spectra_every=2",
                "threads=1")));
        Path live = FakeRuns.create(runs.resolve("live-run"), 100_000, "data");
        FakeRuns.write(live, 1, 300);
        trainer = new FakeRuns.Trainer(live, 300, 300);
        hostileRun(runs.resolve(IMAGE), real);
        // Quiet for an hour: one ended with its final checkpoint (Ctrl-C), one without (killed).
        Path stopped = FakeRuns.create(runs.resolve("stopped-run"), 1000, "data");
        FakeRuns.write(stopped, 1, 437);
        FakeRuns.checkpoint(stopped, 437);
        FakeRuns.age(stopped, Duration.ofHours(1));
        Path failed = FakeRuns.create(runs.resolve("failed-run"), 1000, "data");
        FakeRuns.write(failed, 1, 437);
        FakeRuns.checkpoint(failed, 400);
        FakeRuns.age(failed, Duration.ofHours(1));
        server = DashboardServer.start(DashboardServer.Options.of(List.of(runs)).at("127.0.0.1", 0));
        base = "http://127.0.0.1:" + server.port();
        browser = new Browser();
    }

    /** A run whose config, layer names, decisions, class names and provenance all hold HTML with script. */
    private static void hostileRun(Path run, Path real) throws Exception {
        FakeRuns.create(run, 1000, SCRIPT);
        FakeRuns.write(run, 1, 200);
        FakeRuns.append(run.resolve("spectra.jsonl"), FakeRuns.spectraLine(210, "G." + SCRIPT));
        FakeRuns.append(run.resolve("health.jsonl"), "{\"iteration\":150,\"event\":\"collapse\",\"action\":\""
                + SCRIPT.replace("/", "\\/") + "\",\"summary\":\"" + IMAGE + "\",\"checkpoint\":\"" + SCRIPT + "\"}\n");
        Files.createDirectories(run.resolve("checkpoints"));
        Path source = real.resolve("checkpoints").resolve("ckpt-000000004.b4j");
        Path target = run.resolve("checkpoints").resolve("ckpt-000000200.b4j");
        ObjectMapper json = new ObjectMapper();
        try (ZipFile in = new ZipFile(source.toFile()); OutputStream file = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (ZipEntry e : Collections.list(in.entries())) {
                byte[] bytes;
                try (InputStream s = in.getInputStream(e)) {
                    bytes = s.readAllBytes();
                }
                if (e.getName().equals("manifest.json")) {
                    ObjectNode manifest = (ObjectNode) json.readTree(bytes);
                    ArrayNode names = ((ObjectNode) manifest.get("state")).putArray("class_names");
                    for (int i = 0; i < 10; i++) {
                        names.add(i % 2 == 0 ? SCRIPT : IMAGE);
                    }
                    ((ObjectNode) manifest.get("provenance")).put("data_source", SCRIPT);
                    bytes = json.writeValueAsBytes(manifest);
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setMethod(e.getMethod());
                if (e.getMethod() == ZipEntry.STORED) {
                    copy.setSize(bytes.length);
                    copy.setCompressedSize(bytes.length);
                    CRC32 crc = new CRC32();
                    crc.update(bytes);
                    copy.setCrc(crc.getValue());
                }
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        if (trainer != null) {
            trainer.close();
        }
    }

    @AfterEach
    void noAlertAndNoConsoleError() {
        assertThrows(NoAlertPresentException.class, () -> browser.driver().switchTo().alert(), "no script may run");
        assertEquals(List.of(), browser.consoleErrors().stream().map(e -> e.getMessage()).toList());
    }

    private static String url(String page, String id) {
        return base + page + "?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser.driver()).executeScript(script, args);
    }

    private static WebDriverWait waiting(int seconds) {
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    /** Points of series {@code name} on the chart in div {@code chart}, through ECharts' own API (-1: no chart yet). */
    private static long points(String chart, String name) {
        Object n = js("const c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
                + "if (!c || !c.getOption()) return -1;"
                + "const s = c.getOption().series.find(s => s.name === arguments[1]);"
                + "return s ? s.data.length : -1;", chart, name);
        return ((Number) n).longValue();
    }

    /** A screenshot of the whole page: the window grows to the page's height for it, then shrinks back. */
    private static void screenshot(String name) throws Exception {
        Dimension size = browser.driver().manage().window().getSize();
        long height = ((Number) js("return document.documentElement.scrollHeight;")).longValue();
        browser.driver().manage().window().setSize(new Dimension(size.getWidth(), (int) Math.min(5000, height + 140)));
        Thread.sleep(400); // the charts redraw on the resize event, in the next animation frames
        browser.screenshot(name);
        browser.driver().manage().window().setSize(size);
    }

    private static WebElement row(String id) {
        return waiting(10).until(d -> d.findElements(By.cssSelector("#runs tbody tr")).stream()
                .filter(r -> id.equals(r.getAttribute("data-run"))).findFirst().orElse(null));
    }

    @Test
    void runsPageShowsEachRunWithItsState() throws Exception {
        browser.driver().get(base + "/");
        WebElement live = row("runs/live-run");
        assertEquals("training", live.findElement(By.cssSelector(".badge")).getText());
        WebElement real = row("runs/fmnist-real");
        assertEquals("finished", real.findElement(By.cssSelector(".badge")).getText());
        assertTrue(real.getText().contains("4 / 4"), real.getText());
        assertEquals("stopped", row("runs/stopped-run").findElement(By.cssSelector(".badge")).getText());
        assertEquals("failed", row("runs/failed-run").findElement(By.cssSelector(".badge")).getText());
        WebElement hostile = row("runs/" + IMAGE);
        assertEquals("runs/" + IMAGE, hostile.findElement(By.cssSelector("td.name a")).getText(),
                "the folder name shows as text");
        assertEquals(0L, js("return document.querySelectorAll('#runs img').length;"));
        screenshot("serve-runs");
        // Two checkboxes pick the runs to overlay.
        WebElement compare = browser.driver().findElement(By.id("compare"));
        // Clicked in the page's script: the table is rebuilt every few seconds, so a found row may go stale.
        String tick = "[...document.querySelectorAll('#runs tbody tr')].find(r => r.dataset.run === arguments[0])"
                + ".querySelector('input').click();";
        js(tick, "runs/live-run");
        assertTrue(!compare.isEnabled(), "one run is nothing to compare");
        js(tick, "runs/fmnist-real");
        compare.click();
        waiting(5).until(d -> d.getCurrentUrl().contains("/compare?"));
        assertTrue(browser.driver().getCurrentUrl().endsWith("/compare?run=runs%2Flive-run&run=runs%2Ffmnist-real"),
                browser.driver().getCurrentUrl());
    }

    @Test
    void liveChartGainsPointsAsMetricsGrow() throws Exception {
        browser.driver().get(url("/run", "runs/live-run"));
        waiting(10).until(d -> points("chart-losses", "d_loss") > 0);
        long before = points("chart-losses", "d_loss");
        long trainedBefore = trainer.iteration();
        waiting(8).until(d -> points("chart-losses", "d_loss") >= before + 3);
        assertTrue(trainer.iteration() > trainedBefore);
        assertTrue(points("chart-spectra-g", "G.linear.weight (first layer)") > 0, "G's first layer is highlighted");
        assertTrue(points("chart-quality", "fid") > 0);
        assertTrue(points("chart-penalties", "d_penalty_r1") > 0);
        waiting(10).until(d -> (Boolean) js("const i = document.getElementById('sheet');"
                + "return !i.hidden && i.complete && i.naturalWidth > 0;"));
        screenshot("serve-run-live");
    }

    @Test
    void realRunPageReadsTheLibrarysFiles() throws Exception {
        browser.driver().get(url("/run", "runs/fmnist-real"));
        waiting(10).until(d -> points("chart-losses", "g_loss") == 4);
        assertTrue(points("chart-spectra-g", "G.linear.weight (first layer)") == 2, "spectra every 2 of 4 iterations");
        waiting(10).until(d -> (Boolean) js("const i = document.getElementById('sheet');"
                + "return !i.hidden && i.complete && i.naturalWidth > 0;"));
        assertEquals("1", browser.driver().findElement(By.id("sheet-slider")).getAttribute("max"), "two sheets");
        assertTrue(browser.driver().findElement(By.id("sheet-label")).getText().startsWith("iteration 4"));
        js("const s = document.getElementById('sheet-slider'); s.value = '0';"
                + "s.dispatchEvent(new Event('input'));");
        assertTrue(browser.driver().findElement(By.id("sheet-label")).getText().startsWith("iteration 2"));
        assertTrue(browser.driver().findElement(By.id("sheet")).getAttribute("src").contains("iter-000000002.png"));
        assertTrue(browser.driver().findElement(By.id("config")).getText().contains("architecture: \"BIGGAN\""));
        String provenance = browser.driver().findElement(By.id("provenance")).getText();
        assertTrue(provenance.contains("libtorchVersion 2.10.0") && provenance.contains("ckpt-000000004.b4j"), provenance);
        assertTrue(browser.driver().findElement(By.id("classes")).getText().contains("T-shirt/top"));
        screenshot("serve-run-real");
    }

    @Test
    void hostileStringsShowAsTextAndRunNothing() throws Exception {
        browser.driver().get(url("/run", "runs/" + IMAGE));
        waiting(10).until(d -> !d.findElement(By.id("classes")).getText().isEmpty());
        waiting(10).until(d -> d.findElement(By.id("decisions")).getText().contains(SCRIPT));
        assertEquals("runs/" + IMAGE, browser.driver().findElement(By.id("title")).getText());
        assertTrue(browser.driver().findElement(By.id("config")).getText().contains("path: \"" + SCRIPT + "\""));
        assertTrue(browser.driver().findElement(By.id("classes")).getText().contains(SCRIPT));
        assertTrue(browser.driver().findElement(By.id("classes")).getText().contains(IMAGE));
        assertTrue(browser.driver().findElement(By.id("provenance")).getText().contains(SCRIPT));
        waiting(10).until(d -> points("chart-spectra-g", "G." + SCRIPT) > 0);
        // Only the page's own three scripts exist, and no element came from run data.
        assertEquals(3L, js("return document.scripts.length;"));
        assertEquals(0L, js("return document.querySelectorAll('main img[src=\"x\"], main script').length;"));
        screenshot("serve-xss");
    }

    @Test
    void pageKeepsUpWhenEitherSideRestarts() throws Exception {
        Path run = FakeRuns.create(dir.resolve("runs").resolve("resumed"), 100_000, "data");
        FakeRuns.write(run, 1, 200);
        server.folders().rescan();
        browser.driver().get(url("/run", "runs/resumed"));
        waiting(10).until(d -> points("chart-losses", "d_loss") == 20);
        // The trainer restarts: a resume drops the records after its checkpoint (iteration 100) by
        // rewriting metrics.jsonl, then appends; the page must start over, not add to what it had.
        AtomicFiles.writeBytes(run.resolve("metrics.jsonl"), Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .limit(10).map(line -> line + "\n").collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8));
        FakeRuns.append(run.resolve("metrics.jsonl"), FakeRuns.metricsLine(110, false));
        waiting(10).until(d -> points("chart-losses", "d_loss") == 11);
        // The server restarts on the same port: the page says it cannot reach it, then carries on.
        int port = server.port();
        server.close();
        waiting(10).until(d -> d.findElement(By.id("connection")).getAttribute("class").contains("down"));
        server = DashboardServer.start(DashboardServer.Options.of(List.of(dir.resolve("runs"))).at("127.0.0.1", port));
        FakeRuns.append(run.resolve("metrics.jsonl"), FakeRuns.metricsLine(120, false));
        waiting(10).until(d -> points("chart-losses", "d_loss") == 12);
        assertTrue(!browser.driver().findElement(By.id("connection")).getAttribute("class").contains("down"));
        // The failed requests while the server was down are the only console errors.
        assertTrue(browser.consoleErrors().stream().allMatch(e -> e.getMessage().contains("ERR_CONNECTION_REFUSED")
                || e.getMessage().contains("Failed to fetch")), "only the outage's failed requests");
    }

    @Test
    void thePrintedUrlWithATokenWorksInTheBrowser() throws Exception {
        try (DashboardServer guarded = DashboardServer.start(DashboardServer.Options.of(List.of(dir.resolve("runs")))
                .at("127.0.0.1", 0).withToken("browser-token-0123456789"))) {
            browser.driver().get(guarded.url());
            row("runs/fmnist-real").findElement(By.cssSelector("td.name a")).click();
            // The run page and its API calls carry the token as the cookie the first page set.
            waiting(10).until(d -> points("chart-losses", "g_loss") == 4);
            assertTrue(!browser.driver().getCurrentUrl().contains("token="), "links do not repeat the token");
        }
    }

    @Test
    void compareOverlaysRuns() throws Exception {
        browser.driver().get(base + "/compare?runs=" + URLEncoder.encode("runs/live-run,runs/fmnist-real",
                StandardCharsets.UTF_8));
        waiting(10).until(d -> points("chart-losses", "runs/fmnist-real: g_loss") == 4
                && points("chart-losses", "runs/live-run: d_loss") > 0);
        long before = points("chart-losses", "runs/live-run: d_loss");
        waiting(8).until(d -> points("chart-losses", "runs/live-run: d_loss") > before);
        assertTrue(points("chart-sigma", "runs/fmnist-real: G.linear.weight") == 2);
        screenshot("serve-compare");
    }
}
