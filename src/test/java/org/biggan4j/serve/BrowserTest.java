package org.biggan4j.serve;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The browser harness itself: a page loads, its script runs, a console error is seen. */
class BrowserTest {

    @Test
    void runsScriptsAndSeesConsoleErrors() throws Exception {
        Path page = Files.createTempFile("browser-test", ".html");
        Files.writeString(page, "<html><body><p id=x>before</p><script>document.getElementById('x')"
                + ".textContent = 'after'; console.error('boom');</script></body></html>");
        try (Browser browser = new Browser()) {
            browser.driver().get(page.toUri().toString());
            assertEquals("after", browser.driver().findElement(By.id("x")).getText());
            assertFalse(browser.consoleErrors().isEmpty(), "console.error must be collected");
            assertTrue(Files.size(browser.screenshot("browser-harness")) > 0);
        } finally {
            Files.deleteIfExists(page);
        }
    }
}
