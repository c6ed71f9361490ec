package io.flashrig.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The demo in a real pseudo-terminal (tmux) at a given size, as an operator sees it: the agent's live table shows every
 * board's state without a wrapped line, and the scrollback holds the table once, not once per redraw.
 */
class TerminalIT {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern SERIAL = Pattern.compile("\\b\\p{XDigit}{24}\\b");
    /** One board's row as the table draws it: its state first, then its slot and serial, all on one screen line. */
    private static final Pattern ROW = Pattern.compile("(UNPLUG|FAILED|pulled|unplugged|[a-z]+( [a-zA-Z]+)*) +\\S+( +\\d+)? +\\p{XDigit}{24}( .*)?");
    private static final String SOCKET = "flashrig-terminal-it";

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"80, 24", "200, 50"})
    void theLiveTableFitsTheTerminalAndLeavesNoRedrawsInTheScrollback(int width, int height) throws Exception {
        boolean tmux = Files.isExecutable(Path.of("/usr/bin/tmux")) || Files.isExecutable(Path.of("/usr/local/bin/tmux"));
        if (!tmux) {
            System.err.println("!! TerminalIT SKIPPED: tmux is not installed (.ci/run installs Debian's tmux)");
        }
        Assumptions.assumeTrue(tmux, "tmux is not installed");
        String session = "demo" + width;
        String runDir = "demo/target/terminal-it-" + width;
        tmux("kill-session", "-t", session);
        run(List.of("tmux", "-L", SOCKET, "-f", "/dev/null", "new-session", "-d", "-x", Integer.toString(width), "-y",
                Integer.toString(height), "-s", session, "-c", ROOT.toString(), "-e", "LANG=C.UTF-8",
                "java -jar demo/target/flashrig-demo.jar --exit-when-done --run-dir " + runDir));
        tmux("set-option", "-t", session, "remain-on-exit", "on");
        List<String> liveScreens = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        // tmux has no event for a changed screen: the test looks at it as a person would, a few times a second.
        while (!"1".equals(tmux("display", "-p", "-t", session, "#{pane_dead}").strip()) && System.nanoTime() < deadline) {
            if ("1".equals(tmux("display", "-p", "-t", session, "#{alternate_on}").strip())) {
                // Without -J: the screen's own lines, so that a row the terminal wrapped shows as two.
                liveScreens.add(tmux("capture-pane", "-p", "-t", session));
            }
            Thread.sleep(300);
        }
        String history = tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session);
        tmux("kill-session", "-t", session);
        Files.writeString(Path.of("target", "terminal-" + width + "x" + height + ".txt"), history, StandardCharsets.UTF_8);
        assertTrue(history.contains("Flashed: 6   Failed or interrupted: 2"), "the demo did not finish:\n" + history);
        assertTrue(!liveScreens.isEmpty(), "the agent never drew its table on the alternate screen:\n" + history);

        List<String> serials = serials(history.substring(history.indexOf("FlashRig demo summary")));
        assertEquals(8, serials.size(), history);
        String settled = liveScreens.stream().filter(s -> serials.stream().allMatch(s::contains)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no screen showed all eight boards; the last one:\n"
                        + liveScreens.get(liveScreens.size() - 1)));
        Files.writeString(Path.of("target", "terminal-" + width + "x" + height + "-live.txt"), settled, StandardCharsets.UTF_8);
        for (String serial : serials) {
            String row = settled.lines().filter(l -> l.contains(serial)).findFirst().orElseThrow();
            assertTrue(row.matches("(UNPLUG|FAILED|pulled|unplugged|flashing|detected|flashed|fusing|waiting for MAC) .*"), row);
        }
        assertTrue(settled.lines().skip(1).findFirst().orElse("").startsWith("STATE "), "no header on the second line:\n" + settled);
        for (String screen : liveScreens) {
            // A screen caught between the switch to the alternate screen and the first draw has no table yet.
            List<String> lines = screen.lines().toList();
            if (lines.size() < 2 || !lines.get(1).startsWith("STATE ")) {
                continue;
            }
            // Between the header and the blank line before the messages, every screen line is one whole board row.
            lines.stream().skip(2).takeWhile(l -> !l.isBlank()).forEach(line -> assertTrue(ROW.matcher(line).matches(),
                    "not one whole row at " + width + " columns: '" + line + "' in\n" + screen));
        }
        // -J joins what the terminal wrapped: from the demo's first line to its summary nothing is wider than the window.
        history.lines().forEach(line -> assertTrue(line.length() <= width,
                "a wrapped line at " + width + " columns: " + line));
        long headers = history.lines().filter(l -> l.startsWith("STATE ")).count();
        assertEquals(1, headers, "the scrollback should hold the final table once:\n" + history);
    }

    private static List<String> serials(String text) {
        List<String> found = new ArrayList<>();
        Matcher m = SERIAL.matcher(text);
        while (m.find()) {
            if (!found.contains(m.group())) {
                found.add(m.group());
            }
        }
        return found;
    }

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", SOCKET));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }
}
