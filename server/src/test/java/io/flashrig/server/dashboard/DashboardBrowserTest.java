package io.flashrig.server.dashboard;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver; .ci/run installs them): a board
 * reported by a rig appears, and changes, without a page reload; a MAC alert committed while it starts is shown once;
 * a factory's worth of rigs, slots and long texts fits a wall screen without scrolling sideways; a board's serial opens
 * its history, where whatever a rig sent is text and never markup.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class DashboardBrowserTest {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    /** The wall screens the dashboard is made for: a small laptop's and a full-HD screen's viewport. */
    private static final List<Dimension> SCREENS = List.of(new Dimension(1280, 800), new Dimension(1920, 1080));
    /**
     * What sticks out sideways: the page wider than the window, a visible element past the right edge of its clipping
     * (scrolling) ancestor or of the window, or an element whose content spills out of it visibly.
     */
    private static final String OVERFLOW = """
            const width = window.innerWidth;
            const out = [];
            const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/ +/).join(".") : "");
            if (document.documentElement.scrollWidth > width) {
              out.push("the page is " + document.documentElement.scrollWidth + " px wide in a " + width + " px window");
            }
            for (const e of document.querySelectorAll("body *")) {
              const box = e.getBoundingClientRect();
              const style = getComputedStyle(e);
              if ((box.width === 0 && box.height === 0) || style.visibility === "hidden") continue;
              let right = width, by = "the window";
              for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                if (getComputedStyle(p).overflowX !== "visible") {
                  right = Math.min(width, p.getBoundingClientRect().right);
                  by = name(p);
                  break;
                }
              }
              if (box.right > right + 0.5) out.push(name(e) + " ends at " + box.right + " past " + by + " at " + right);
              if (style.overflowX === "visible" && style.display !== "inline" && e.scrollWidth > e.clientWidth + 1
                  && e.clientWidth > 0) {
                out.push(name(e) + " spills: " + e.scrollWidth + " px of content in " + e.clientWidth + " px");
              }
            }
            return out.slice(0, 25);""";

    /**
     * The quality tables' cells cut short with an ellipsis: a header, or a figure (a count, a yield). Names and messages
     * (a rig's, a release's, a failure's) may be cut by design, whole on hover.
     */
    private static final String ELLIPSISED = """
            return [...document.querySelectorAll("#quality th, #quality td.num")]
                .filter((c) => c.scrollWidth > c.clientWidth)
                .map((c) => c.closest("table").id + " '" + c.textContent + "': " + c.scrollWidth + " px in " + c.clientWidth + " px")
                .slice(0, 25);""";

    @TestHTTPResource("/dashboard/")
    URL dashboard;

    @TestHTTPResource("/")
    URL server;

    private WebDriver browser;

    @BeforeEach
    void openBrowser() throws Exception {
        if (!CHROMIUM.canExecute() || !CHROMEDRIVER.canExecute()) {
            String why = "SKIPPED: the dashboard's browser test needs Debian's chromium and chromium-driver"
                    + " (apt-get install chromium chromium-driver; .ci/run installs them, and fails if they are there"
                    + " and this test still did not run).";
            // Said on the console, not only in a report nobody opens: a skipped browser test proves nothing.
            System.err.println("\n!!!!!!!! " + why + "\n");
            Assumptions.abort(why);
        }
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + Files.createTempDirectory("flashrig-chromium"));
        // The console, where Chromium reports what the Content-Security-Policy blocked.
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aBoardFlashedByARigAppearsLiveWithoutReload() throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get(dashboard.toString());
        // Anonymous visitors get the sign-in form and no data.
        assertTrue(browser.findElement(By.id("sign-in")).isDisplayed());
        assertFalse(browser.findElement(By.id("live")).isDisplayed());

        browser.findElement(By.id("token")).sendKeys(TestApi.ADMIN_TOKEN);
        browser.findElement(By.cssSelector("#sign-in-form button")).click();
        wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));
        // A marker that a reload would wipe out.
        ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");

        String serial = "003C0047343051153638B001";
        try (ReportingRig rig = new ReportingRig(server, "rig-browser")) {
            String attempt = rig.flashing(serial, "1-1.4", 35);
            By row = By.cssSelector("tr[data-serial='" + serial + "']");
            // Located afresh on every check: the rig's table is redrawn by each pushed update (heartbeats too).
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "flashing"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "35%"));

            rig.failed(serial, attempt, "1-1.4", "Error: Start operation failed at partition 0x01");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "failed"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("failures"), serial));

            // An event the server had to reject is counted on the rig's header, for an engineer to look into.
            rig.malformed("1-1.5");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("[data-rig='rig-browser'] .rig-title"), "1 event refused"));

            // A MAC found on a board it does not belong to: the alert appears above everything, without reload.
            macConflict(rig, "003C0047343051153638B002", "003C0047343051153638B003");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alerts"), "003C0047343051153638B003"));
            assertTrue(browser.findElement(By.id("alerts-card")).isDisplayed());
        }
        assertEquals(Boolean.TRUE, ((JavascriptExecutor) browser).executeScript("return window.notReloaded;"));
        // The page worked under the server's policy; nothing of it was blocked on the way, either.
        assertEquals(List.of(), blockedByPolicy());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-rig='rig-browser']")));
        // For a person to look at (the build keeps it): what the test saw at its end.
        browser.manage().window().setSize(new Dimension(1280, 1000));
        Files.write(Path.of("target", "dashboard-browser-test.png"),
                browser.findElement(By.cssSelector("[data-rig='rig-browser']")).getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void whatIsCommittedWhileTheDashboardStartsIsShownOnce() throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        JavascriptExecutor page = (JavascriptExecutor) browser;
        browser.get(dashboard.toString());
        // The second of the dashboard's first two requests (its snapshot, its live stream) waits until the test lets
        // it go, so that a failure and an alert are committed between the two: a dashboard could miss them, or show
        // them twice. What the live stream brings is copied aside for the test to see.
        page.executeScript("""
                const realFetch = window.fetch;
                let live = 0;
                window.liveText = "";
                window.heldRequest = null;
                const copied = (response) => {
                  if (!response.body) return response;
                  const [copy, body] = response.body.tee();
                  const reader = copy.pipeThrough(new TextDecoderStream()).getReader();
                  (async () => {
                    for (let r = await reader.read(); !r.done; r = await reader.read()) window.liveText += r.value;
                  })().catch(() => {});
                  return new Response(body, { status: response.status, headers: response.headers });
                };
                window.fetch = (url, options) => {
                  if (!String(url).startsWith("/api/v1/live/")) return realFetch(url, options);
                  const send = () => realFetch(url, options)
                    .then((r) => String(url).startsWith("/api/v1/live/events") ? copied(r) : r);
                  if (++live !== 2) return send();
                  window.heldRequest = String(url);
                  return new Promise((resolve) => { window.releaseRequest = resolve; }).then(send);
                };""");
        browser.findElement(By.id("token")).sendKeys(TestApi.ADMIN_TOKEN);
        browser.findElement(By.cssSelector("#sign-in-form button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).withMessage("the dashboard makes its first two requests")
                .until(driver -> page.executeScript("return window.heldRequest;") != null);

        String failed = "003C0047343051153638B011";
        String failure = "Error: Start operation failed at partition 0x03";
        String carrier = "003C0047343051153638B013";
        try (ReportingRig rig = new ReportingRig(server, "rig-browser-start")) {
            rig.failed(failed, rig.flashing(failed, "1-1.2", 60), "1-1.2", failure);
            macConflict(rig, "003C0047343051153638B012", carrier);
        }
        // Committed: the live stream, already open, brings both while the other request still waits.
        new WebDriverWait(browser, Duration.ofSeconds(30))
                .withMessage("the live stream, open while " + page.executeScript("return window.heldRequest;")
                        + " waits, brings the failure and the alert")
                .until(driver -> {
                    String live = String.valueOf(page.executeScript("return window.liveText;"));
                    return live.contains(failure) && live.contains(carrier);
                });
        page.executeScript("window.releaseRequest();");

        wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alerts"), carrier));
        assertEquals(1, shown("#alerts li", carrier), texts("#alerts").toString());
        assertEquals(1, shown("#failures li", failed), texts("#failures").toString());
        List<String> row = texts("tr[data-serial='" + failed + "']");
        assertTrue(row.size() == 1 && row.get(0).contains("failed"), row.toString());
    }

    @Test
    void aFactorysWorthOfDataFitsTheScreenAndASerialOpensItsHistory() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<String> releaseNames = IntStream.range(0, 12).mapToObj(DashboardBrowserTest::release).toList();
        String history = "003C00473430511536FF0001";
        String injected = "Error: <script>window.injected = 1</script><img src=x onerror=\"window.injected = 2\">"
                + " \u001B[31mred\u001B[0m & <b>bold</b>";
        List<String> injectedTail = List.of("<script>window.injected = 3</script>", "\u001B]0;title\u0007<i>line</i>");
        List<ReportingRig> rigs = new ArrayList<>();
        try {
            seedAWallOfRigs(rigs, now, releaseNames);
            // One board's history across two rigs: a failure full of markup and escape codes, then done with its MAC.
            rigs.get(0).attempt(history, "1-1.21", now.minus(Duration.ofMinutes(30)), releaseNames.get(0), null,
                    injected, injectedTail);
            TestApi.freshRange(4);
            String mac = rigs.get(1).rpc().assignMac(AssignMacRequest.newBuilder().setSerial(history).build())
                    .getMac();
            rigs.get(1).attempt(history, "1-1.21", now.minus(Duration.ofMinutes(10)), releaseNames.get(1), mac, null,
                    List.of());
            await("every attempt is committed").atMost(Duration.ofSeconds(60)).until(() -> TestApi.count(
                    "SELECT count(*) FROM flash_attempt a JOIN rig r ON r.id = a.rig_id WHERE r.name LIKE 'rig-wall-%'")
                    == 5 * (16 * 3 + 4) + 2);

            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            signIn(wait);
            String firstRig = "[data-rig^='rig-wall-0-']";
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(firstRig + " tr[data-serial]"), 21));
            // Slot 1, 2, … 21 from top to bottom, though the first 16 were reported from the last.
            List<String> slots = texts(firstRig + " tr[data-serial] td:first-child");
            assertEquals(IntStream.rangeClosed(1, 21).mapToObj(String::valueOf).toList(), slots);
            // A flashing board's progress bar, readable without seeing it.
            assertEquals(List.of("flashed 85%, partition bootfs"),
                    attributes(firstRig + " tr[data-serial='0A0000000000001100000009'] progress", "aria-label"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("yield-release"),
                    releaseNames.get(11).substring(0, 20)));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#per-hour .plot .column")));
            assertEquals("boards / hour", texts("#per-hour .y-title").get(0));
            assertTrue(texts("#per-hour .x-title").get(0).contains("time (UTC)"));

            for (Dimension screen : SCREENS) {
                resize(screen);
                assertEquals(List.of(), overflow(), "at " + screen);
                assertEquals(List.of(), ellipsised(), "at " + screen);
                fullPage("dashboard-" + screen.width + "x" + screen.height + ".png");
            }

            // The history opens from the serial in its slot, and its address says which board it shows.
            resize(SCREENS.get(0));
            wait.until(driver -> {
                try {
                    driver.findElement(By.cssSelector("tr[data-serial='" + history + "'] a.serial")).click();
                    return true;
                } catch (StaleElementReferenceException redrawn) {
                    return false;
                }
            });
            assertHistory(wait, history, mac, injected, injectedTail);
            assertTrue(browser.getCurrentUrl().endsWith("#board/" + history), browser.getCurrentUrl());
            for (Dimension screen : SCREENS) {
                resize(screen);
                assertEquals(List.of(), overflow(), "history at " + screen);
                Files.write(Path.of("target", "dashboard-history-" + screen.width + "x" + screen.height + ".png"),
                        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            }
            browser.findElement(By.id("board-history-close")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("board-history")));
            assertFalse(browser.getCurrentUrl().contains("#board/"), browser.getCurrentUrl());

            // A link to the history opens it on a page of its own.
            browser.get(dashboard + "#board/" + history);
            assertHistory(wait, history, mac, injected, injectedTail);
            assertEquals(List.of(), blockedByPolicy());

            // A link with no serial in it gets the server's sentence, not an empty dialog.
            browser.get(dashboard + "#board/not-a-serial");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("board-history-error"),
                    "'not-a-serial' is not a board serial"));

            // An open history follows the board: plugged in again, its new attempt appears without a reload.
            browser.get(dashboard + "#board/" + history);
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#board-attempts [data-attempt]"), 2));
            ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
            rigs.get(2).flashing(history, "1-1.22", 40);
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#board-attempts [data-attempt]"), 3));
            assertEquals(List.of("flashing", "done", "failed"), texts("#board-attempts [data-outcome]"));
            assertEquals(Boolean.TRUE, ((JavascriptExecutor) browser).executeScript("return window.notReloaded;"));
        } finally {
            for (ReportingRig rig : rigs) {
                rig.close();
            }
        }
    }

    /**
     * Five rigs of 20 slots, named as long as a rig's name can be, each slot with three attempts over the last day
     * (its newest within the live view's 12 hours) and four boards flashing now; failure messages and output lines at
     * their limits with words too long to wrap, release names as long as they can be.
     */
    private void seedAWallOfRigs(List<ReportingRig> rigs, Instant now, List<String> releaseNames) throws Exception {
        String word = "0x" + "F".repeat(120);
        String longMessage = ("Error: Start operation failed at partition 0x01 " + word + " ").repeat(8);
        List<String> longTail = List.of("Memory Programming ..." + word, "Error: " + "data ".repeat(120) + word);
        for (int r = 0; r < 5; r++) {
            String name = ("rig-wall-" + r + "-").concat("assembly-line-west-bench-".repeat(3)).substring(0, 63);
            ReportingRig rig = new ReportingRig(server, name);
            rigs.add(rig);
            // Slots reported from the last to the first, so that arrival order and slot order differ.
            for (int slot = 16; slot >= 1; slot--) {
                for (int n = 0; n < 3; n++) {
                    String serial = String.format("%08X%08X%08X", 0x0A000000 + r, slot, n + 1);
                    Instant start = now.minus(Duration.ofMinutes((2L - n) * 8 * 60 + slot * 25L + 7L * r));
                    boolean fails = (slot + n + r) % 3 == 0;
                    rig.attempt(serial, "1-1." + slot, start, releaseNames.get((slot + n) % releaseNames.size()),
                            null, fails ? longMessage : null, fails ? longTail : List.of());
                }
            }
            for (int slot = 17; slot <= 20; slot++) {
                rig.flashing(String.format("%08X%08X%08X", 0x0A000000 + r, slot, 9), "1-1." + slot, 5 * slot);
            }
        }
    }

    /** A release name as long as one can be. */
    private static String release(int number) {
        return ("release-2026." + number + "-").concat("rc".repeat(50)).substring(0, 100);
    }

    /** The open history shows both attempts, the failure's message and output as text, and the MAC's state. */
    private void assertHistory(WebDriverWait wait, String serial, String mac, String injected, List<String> tail) {
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("board-history")));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#board-attempts [data-attempt]"), 2));
        assertEquals("Board " + serial, texts("#board-history-title").get(0));
        assertEquals(List.of("done", "failed"), texts("#board-attempts [data-outcome]"));
        assertEquals(List.of("FUSED"), attributes("#board-summary [data-mac-state]", "data-mac-state"));
        assertTrue(texts("#board-summary").get(0).contains(mac), texts("#board-summary").toString());
        // What the rig sent, cleaned of its escape codes by the server, shows as the very characters it is.
        assertEquals(List.of(EventText.clean(injected, EventText.MESSAGE)),
                textContents("#board-attempts .message"));
        assertEquals(List.of(String.join("\n", EventText.cleanTail(tail, EventText.OUTPUT_TAIL_LINES,
                EventText.OUTPUT_LINE))), textContents("#board-attempts .tail"));
        List<String> failed = texts("#board-attempts .result-FAILED");
        assertTrue(failed.get(0).contains("rig-wall-0-") && failed.get(0).contains("slot 21")
                && failed.get(0).contains("flash 18.0 s until it failed · fuse — · total 20.0 s"), failed.toString());
        assertTrue(texts("#board-attempts .result-DONE").get(0)
                .contains("waited 2.0 s · flash 36.0 s · fuse 3.0 s · total 43.0 s"));
        assertTrue(texts("#board-attempts .result-DONE").get(0).contains("rig-wall-1-"));
        assertTrue(texts("#board-attempts .result-DONE").get(0).contains(release(1)));
        assertTrue(failed.get(0).contains(release(0)));
        JavascriptExecutor page = (JavascriptExecutor) browser;
        assertEquals(0L, page.executeScript(
                "return document.querySelectorAll('#board-history script, #board-history img, #board-history b').length;"));
        assertEquals(null, page.executeScript("return window.injected;"));
    }

    private void signIn(WebDriverWait wait) {
        browser.get(dashboard.toString());
        browser.findElement(By.id("token")).sendKeys(TestApi.ADMIN_TOKEN);
        browser.findElement(By.cssSelector("#sign-in-form button")).click();
        wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));
    }

    /** Makes the page's viewport (not the window around it) exactly {@code size}. */
    private void resize(Dimension size) {
        JavascriptExecutor page = (JavascriptExecutor) browser;
        browser.manage().window().setSize(size);
        long width = ((Number) page.executeScript("return window.innerWidth;")).longValue();
        long height = ((Number) page.executeScript("return window.innerHeight;")).longValue();
        browser.manage().window().setSize(new Dimension(2 * size.width - (int) width,
                2 * size.height - (int) height));
        assertEquals(List.of((long) size.width, (long) size.height), page.executeScript(
                "return [window.innerWidth, window.innerHeight];"));
    }

    @SuppressWarnings("unchecked")
    private List<String> ellipsised() {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(ELLIPSISED);
    }

    @SuppressWarnings("unchecked")
    private List<String> overflow() {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(OVERFLOW);
    }

    /** The whole page at the window's width, for a person to look at (the build keeps it). */
    private void fullPage(String file) throws Exception {
        JavascriptExecutor page = (JavascriptExecutor) browser;
        Number height = (Number) page.executeScript("return document.documentElement.scrollHeight;");
        Number width = (Number) page.executeScript("return window.innerWidth;");
        Map<String, Object> shot = ((ChromeDriver) browser).executeCdpCommand("Page.captureScreenshot", Map.of(
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height", height,
                        "scale", 1)));
        Files.write(Path.of("target", file), Base64.getDecoder().decode((String) shot.get("data")));
    }

    @SuppressWarnings("unchecked")
    private List<String> attributes(String selector, String attribute) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]));",
                selector, attribute);
    }

    /** The text of the elements as the DOM holds it, whether or not it is shown (a closed {@code <details>}). */
    @SuppressWarnings("unchecked")
    private List<String> textContents(String selector) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);", selector);
    }

    /** What Chromium's console says the Content-Security-Policy blocked. */
    private List<String> blockedByPolicy() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage).filter(m -> m.contains("Content Security Policy")).toList();
    }

    /** How many of these elements mention {@code text}. */
    private long shown(String selector, String text) {
        return texts(selector).stream().filter(t -> t.contains(text)).count();
    }

    /**
     * The texts of the elements the selector finds, read in one go: every pushed update (heartbeats included) redraws
     * the lists, and an element found in one call may be gone by the next.
     */
    @SuppressWarnings("unchecked")
    private List<String> texts(String selector) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText);", selector);
    }

    /** The MAC assigned to {@code owner} is read from {@code carrier}'s OTP: refused, and a MAC alert is committed. */
    private static void macConflict(ReportingRig rig, String owner, String carrier) {
        TestApi.freshRange(4);
        String mac = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(owner).build()).getMac();
        assertThrows(StatusRuntimeException.class, () -> rig.rpc().reportOtpMac(ReportOtpMacRequest.newBuilder()
                .setSerial(carrier).setMac(mac).build()));
    }
}
