package io.flashrig.server.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
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
 * reported by a rig appears, and changes, without a page reload; a MAC alert committed while it starts is shown once.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class DashboardBrowserTest {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

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
        List<String> blocked = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage).filter(m -> m.contains("Content Security Policy")).toList();
        assertEquals(List.of(), blocked);
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
