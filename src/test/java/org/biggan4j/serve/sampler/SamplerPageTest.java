package org.biggan4j.serve.sampler;

import io.javalin.Javalin;
import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.RunState;
import org.biggan4j.checkpoint.imports.HfBigGanDeepImporter;
import org.biggan4j.cli.Biggan4j;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ImageSheet;
import org.biggan4j.io.Npy;
import org.biggan4j.run.TrainingRun;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.serve.Browser;
import org.biggan4j.tensor.ComputeDevice;
import org.bytedeco.pytorch.StringTensorDict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampler page in a real headless Chromium against a Javalin app with only the sampler's
 * routes: images asked for by class name equal, pixel for pixel, what {@code biggan4j sample}
 * writes for the command the page prints; the interpolation slider walks the frames; class names
 * holding HTML and script show as text and run nothing; an imported BigGAN-deep is searched by its
 * ImageNet names; the console stays free of errors. Screenshots go to target/screenshots/sampler-*.png.
 */
class SamplerPageTest {

    private static final String HOSTILE = "<script>alert(1)</script>";
    private static final String HOSTILE_IMG = "<img src=x onerror=alert(2)>";

    @TempDir
    static Path dir;
    private static Path tiny;
    private static Javalin app;
    private static Browser browser;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        Path run = dir.resolve("run");
        // A conditional BigGAN (fmnist-demo: 10 named classes, 32 px, G_ema), here with a shared class
        // embedding so that classes can be interpolated and mixed; two iterations.
        TrainingRun.run(TrainingRun.Request.start("fmnist-demo", run, List.of("model.ch=4", "training.batch_size=8",
                "model.shared_embedding_dim=16",
                "training.iterations=2", "output.checkpoint_every=2", "output.sample_every=0", "output.eval_every=0",
                "training.ema_start=1")));
        try (Stream<Path> files = Files.walk(run)) {
            tiny = files.filter(p -> p.toString().endsWith(".b4j")).findFirst().orElseThrow();
        }
        Path hostile = hostileCopy(tiny, dir.resolve("hostile.b4j"));
        Path deep = dir.resolve("deep.b4j");
        HfBigGanDeepImporter.importTo(Path.of(SamplerPageTest.class.getResource(
                "/fixtures/pretrained-biggan-deep/config.json").toURI()).getParent(), deep);

        SortedMap<String, Path> served = new TreeMap<>();
        served.put("tiny", tiny);
        served.put("hostile " + HOSTILE, hostile);
        served.put("deep", deep);
        app = Javalin.create(config -> config.staticFiles.enableWebjars());
        // The dashboard server's policy: scripts only from the server, images also from data: URLs.
        // A page that broke it (an inline script, an image from elsewhere) would log console errors.
        app.before(ctx -> ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; "
                + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
                + "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"));
        SamplerRoutes.install(app, () -> served);
        app.start("127.0.0.1", 0);
        base = "http://localhost:" + app.port();
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    /** The same checkpoint with classes 7 and 8 renamed to HTML that would run script if inserted as HTML. */
    private static Path hostileCopy(Path from, Path to) throws Exception {
        CheckpointData d = CheckpointFile.read(from, ComputeDevice.CPU);
        List<String> names = new ArrayList<>(d.state().classNames());
        names.set(7, HOSTILE);
        names.set(8, HOSTILE_IMG);
        RunState s = d.state();
        RunState renamed = new RunState(s.loader(), names, s.model(), s.noiseSalt(), s.standingStatistics(),
                s.imported(), s.listeners());
        CheckpointFile.write(to, new CheckpointData(d.iteration(), d.configJson(), d.provenance(), renamed, d.metrics(),
                d.tensorGroups(), d.blobs()));
        return to;
    }

    @Test
    void samplesAskedForByNameEqualTheCommandLinesPixels() throws Exception {
        open("tiny");
        search("a", "Trouser", 1);
        setValue("truncation", "0.5");
        setNumber("seed", "7");
        setNumber("count", "3");
        click("generate");
        List<WebElement> images = gallery(3);
        String command = text("command");
        assertTrue(command.contains(" --class Trouser -n 3 --truncation 0.5 --seed 7 "), command);

        // Run the command the page printed, writing to a temporary folder instead of samples/.
        Path out = runPrinted(command, "--out", dir.resolve("cli-trouser"));
        List<WebElement> links = driver().findElements(By.cssSelector("#gallery a.download"));
        for (int i = 0; i < 3; i++) {
            String name = links.get(i).getAttribute("download");
            assertEquals(String.format("sample-%05d-trouser.png", i), name);
            assertSamePixels(out.resolve(name), images.get(i).getAttribute("src"));
        }
        // And typed by hand: biggan4j sample RUN --class NAME --truncation 0.5 --seed S (-n as on the page:
        // truncated latents are drawn for all n at once, so the first of 3 is not the only one of 1).
        Path plain = dir.resolve("cli-plain");
        cli(List.of("sample", tiny.toString(), "--class", "Trouser", "--truncation", "0.5", "--seed", "7", "-n", "3",
                "--out", plain.toString()));
        for (int i = 0; i < 3; i++) {
            assertSamePixels(plain.resolve(String.format("sample-%05d-trouser.png", i)), images.get(i).getAttribute("src"));
        }
        assertNoConsoleErrors();
        screenshot("sampler-samples");
    }

    @Test
    void theInterpolationSliderShowsEachFrame() throws Exception {
        open("tiny");
        click(By.cssSelector("input[name=mode][value=class_interpolation]"));
        search("a", "Trouser", 1);
        search("b", "Ankle", 1);
        setNumber("steps", "6");
        click("generate");
        List<WebElement> strip = strip(6);
        String first = driver().findElement(By.id("frame")).getAttribute("src");
        assertEquals(strip.get(0).getAttribute("src"), first);
        setValue("frame-slider", "4");
        String fifth = driver().findElement(By.id("frame")).getAttribute("src");
        assertNotEquals(first, fifth, "moving the slider changes the image");
        assertEquals(strip.get(4).getAttribute("src"), fifth);
        assertEquals("frame 5 of 6", text("frame-label"));
        String command = text("command");
        assertTrue(command.contains("--class Trouser --class 'Ankle boot' --interpolate class --steps 6"), command);
        // The frames are the tiles of the sheet the printed command writes (compared through its --npy).
        Path npy = dir.resolve("interpolation.npy");
        runPrinted(command, "--sheet", dir.resolve("interpolation.png"), "--npy", npy.toString());
        List<ImageBytes> tiles = ImageSheet.fromTensor(Npy.read(npy, ComputeDevice.CPU));
        assertEquals(6, tiles.size());
        for (int i = 0; i < 6; i++) {
            assertSamePixels(tiles.get(i), strip.get(i).getAttribute("src"));
        }
        assertNoConsoleErrors();
        screenshot("sampler-interpolation");

        // Between two seeds: the latent of seed 7 to the latent of seed 8, the class held.
        click(By.cssSelector("input[name=mode][value=latent_interpolation]"));
        setNumber("seed", "7");
        setNumber("to-seed", "8");
        setNumber("steps", "4");
        click("generate");
        List<WebElement> latentStrip = strip(4);
        String latent = text("command");
        assertTrue(latent.contains("--class Trouser --interpolate z --steps 4 --to-seed 8 --truncation 0.5 --seed 7"),
                latent);
        Path latentNpy = dir.resolve("latent.npy");
        runPrinted(latent, "--sheet", dir.resolve("latent.png"), "--npy", latentNpy.toString());
        List<ImageBytes> latentTiles = ImageSheet.fromTensor(Npy.read(latentNpy, ComputeDevice.CPU));
        for (int i = 0; i < 4; i++) {
            assertSamePixels(latentTiles.get(i), latentStrip.get(i).getAttribute("src"));
        }

        click(By.cssSelector("input[name=mode][value=mixture]"));
        setValue("weight", "0.25");
        List<WebElement> mixed = gallery(4);
        String mixture = text("command");
        assertTrue(mixture.contains("--classes 1:0.75,9:0.25 -n 4"), mixture);
        Path out = runPrinted(mixture, "--out", dir.resolve("cli-mixture"));
        for (int i = 0; i < 4; i++) {
            assertSamePixels(out.resolve(String.format("sample-%05d-mixture.png", i)), mixed.get(i).getAttribute("src"));
        }
        assertNoConsoleErrors();
        screenshot("sampler-mixture");
    }

    @Test
    void classNamesWithHtmlShowAsTextAndRunNothing() throws Exception {
        open("hostile " + HOSTILE);
        search("a", "script", 1);
        WebElement option = driver().findElement(By.cssSelector("#class-a option"));
        assertEquals(HOSTILE + " (7)", option.getText());
        search("a", "onerror", 1);
        assertEquals(HOSTILE_IMG + " (8)", driver().findElement(By.cssSelector("#class-a option")).getText());
        click("generate");
        gallery(4);
        assertTrue(text("command").contains("--class '" + HOSTILE_IMG + "'"), text("command"));
        assertEquals(HOSTILE, driver().findElement(By.cssSelector("#checkpoint option:checked")).getText().substring("hostile ".length()));
        assertThrows(NoAlertPresentException.class, () -> driver().switchTo().alert());
        assertEquals(1L, js("return document.scripts.length"), "only the page's own script");
        assertEquals(0L, js("return document.querySelectorAll('[onerror]').length"), "no element came from a name");
        assertEquals(4L, js("return document.querySelectorAll('#gallery img').length"));
        assertNoConsoleErrors();
        screenshot("sampler-hostile-names");
    }

    @Test
    void anImportedBigGanDeepIsSearchedByImageNetNames() throws Exception {
        open("deep");
        search("a", "golden retriever", 1);
        assertEquals("golden retriever (207, n02099601)", driver().findElement(By.cssSelector("#class-a option"))
                .getText());
        setValue("truncation", "0.4");
        setNumber("seed", "3");
        setNumber("count", "1");
        click("generate");
        WebElement image = gallery(1).get(0);
        String command = text("command");
        assertTrue(command.contains("--class 'golden retriever' -n 1 --truncation 0.4 --seed 3"), command);
        Path out = runPrinted(command, "--out", dir.resolve("cli-deep"));
        assertSamePixels(out.resolve("sample-00000-golden_retriever.png"), image.getAttribute("src"));
        assertNoConsoleErrors();
        screenshot("sampler-biggan-deep");
    }

    @Test
    void theApiRefusesWhatItCannotDoWithOneLine() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String[][] cases = {
            {"{\"checkpoint\": \"elsewhere\", \"mode\": \"samples\", \"classA\": 1}", "404", "No checkpoint"},
            {"{\"checkpoint\": \"tiny\", \"mode\": \"dream\", \"classA\": 1}", "400", "Unknown mode"},
            {"{\"checkpoint\": \"tiny\", \"mode\": \"samples\", \"classA\": 1, \"truncation\": 9}", "400",
                "truncation"},
            {"{\"checkpoint\": \"tiny\", \"mode\": \"samples\", \"classA\": 1, \"count\": 17}", "400",
                "1 to 16 images"},
            {"{\"checkpoint\": \"tiny\", \"mode\": \"samples\", \"classA\": 10}", "400", "out of range"},
            {"{\"checkpoint\": \"tiny\", \"mode\": \"mixture\", \"classA\": 1, \"classB\": 1}", "400",
                "two different classes"},
            {"not json", "400", "not the sampler's JSON"},
            {"null", "400", "not the sampler's JSON"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/sampler/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString(c[0])).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(Integer.parseInt(c[1]), r.statusCode(), c[0] + " -> " + r.body());
            assertTrue(r.body().contains(c[2]), r.body());
        }
        HttpResponse<String> cancel = http.send(HttpRequest.newBuilder(URI.create(base
                + "/api/sampler/cancel?client=nobody")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, cancel.statusCode());
    }

    @Test
    void theCacheLoadsOnceAndFreesWhatItEvicts() {
        try (ModelCache cache = new ModelCache(1, ComputeDevice.CPU)) {
            TrainedGenerator first = cache.get(tiny);
            assertTrue(cache.get(tiny) == first, "the same generator again");
            assertEquals(1, cache.loads());
            cache.get(dir.resolve("hostile.b4j"));
            assertEquals(2, cache.loads());
            assertEquals(1, cache.size());
            StringTensorDict parameters = first.generator().named_parameters(true);
            long left = 0;
            for (long i = 0; i < parameters.size(); i++) {
                left += parameters.get(i).value().numel();
            }
            assertEquals(0, left, "the evicted generator's weights are freed");
        }
    }

    // --- helpers

    private static ChromeDriver driver() {
        return browser.driver();
    }

    private static void open(String checkpoint) {
        driver().get(base + "/sampler?checkpoint=" + URLEncoder.encode(checkpoint, StandardCharsets.UTF_8));
        waitFor(() -> driver().findElements(By.cssSelector("#class-a option")).isEmpty() ? null : true);
    }

    private static void search(String which, String text, int expected) {
        WebElement box = driver().findElement(By.id("search-" + which));
        box.clear();
        box.sendKeys(text);
        waitFor(() -> {
            List<WebElement> options = driver().findElements(By.cssSelector("#class-" + which + " option"));
            return options.size() == expected && options.get(0).getText().toLowerCase().contains(text.toLowerCase())
                    ? true : null;
        });
    }

    private static void setValue(String id, String value) {
        js("const e = document.getElementById(arguments[0]); e.value = arguments[1];"
                + "e.dispatchEvent(new Event('input')); e.dispatchEvent(new Event('change'));", id, value);
    }

    private static void setNumber(String id, String value) {
        WebElement e = driver().findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }

    private static void click(String id) {
        click(By.id(id));
    }

    private static void click(By by) {
        driver().findElement(by).click();
    }

    private static String text(String id) {
        return driver().findElement(By.id(id)).getText();
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver()).executeScript(script, args);
    }

    private static <T> T waitFor(Supplier<T> condition) {
        return new WebDriverWait(driver(), Duration.ofSeconds(60)).until(d -> condition.get());
    }

    private static void screenshot(String name) throws Exception {
        js("window.scrollTo(0, 0)");
        browser.screenshot(name);
    }

    private static void assertNoConsoleErrors() {
        assertEquals(List.of(), browser.consoleErrors().stream().map(Object::toString).toList());
    }

    /** The gallery's images once there are {@code n}. */
    private static List<WebElement> gallery(int n) {
        return images("#gallery img", n);
    }

    /** The interpolation's frame strip once it has {@code n} frames. */
    private static List<WebElement> strip(int n) {
        return images("#strip img", n);
    }

    private static List<WebElement> images(String selector, int n) {
        return waitFor(() -> {
            List<WebElement> found = driver().findElements(By.cssSelector(selector));
            return found.size() == n ? found : null;
        });
    }

    /**
     * Runs the command the page printed in-process, its {@code output} option pointed at
     * {@code target} (instead of samples/ or interpolation.png) and with {@code extra} options; returns target.
     */
    private static Path runPrinted(String command, String output, Path target, String... extra) {
        List<String> args = shellWords(command);
        args.set(args.indexOf(output) + 1, target.toString());
        args.addAll(List.of(extra));
        cli(args.subList(1, args.size()));
        return target;
    }

    private static void cli(List<String> args) {
        CommandLine cl = Biggan4j.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertEquals(0, cl.execute(args.toArray(new String[0])), err.toString());
    }

    /** The pixels of a PNG file equal those of a {@code data:image/png;base64,} URL. */
    private static void assertSamePixels(Path file, String dataUrl) throws Exception {
        String prefix = "data:image/png;base64,";
        assertTrue(dataUrl.startsWith(prefix), dataUrl.substring(0, Math.min(40, dataUrl.length())));
        BufferedImage page = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                dataUrl.substring(prefix.length()))));
        BufferedImage written = ImageIO.read(file.toFile());
        assertEquals(written.getWidth(), page.getWidth());
        assertEquals(written.getHeight(), page.getHeight());
        for (int y = 0; y < page.getHeight(); y++) {
            for (int x = 0; x < page.getWidth(); x++) {
                assertEquals(written.getRGB(x, y), page.getRGB(x, y), file + " at (" + x + ", " + y + ")");
            }
        }
    }

    /** The bytes of an image equal the pixels of a {@code data:image/png;base64,} URL of a 1-channel PNG. */
    private static void assertSamePixels(ImageBytes expected, String dataUrl) throws Exception {
        BufferedImage page = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                dataUrl.substring("data:image/png;base64,".length()))));
        assertEquals(expected.width(), page.getWidth());
        assertEquals(expected.height(), page.getHeight());
        for (int y = 0; y < page.getHeight(); y++) {
            for (int x = 0; x < page.getWidth(); x++) {
                assertEquals(expected.get(0, y, x), page.getRaster().getSample(x, y, 0), "at (" + x + ", " + y + ")");
            }
        }
    }

    /** Splits a POSIX command line of plain words and single-quoted words (what the page prints). */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                word.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
