package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashrig.contract.EventText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Invariant (issue 11, part 1): one board's poisoned words never stop a rig's delivery. Boards whose programmer prints
 * NUL bytes, terminal escape sequences, bytes that are not UTF-8 and megabytes of output fail next to boards that flash
 * normally, some while the server is up, four while it is away; once the server is back, every board's final record
 * arrives, each event is stored once, the stored text is clean and bounded, the good boards are DONE with their MAC,
 * and nothing raw from the programmer reaches the agent's output.
 */
class PoisonedDeliveryIT {

    private static final String RIG = "rig-p";

    @Test
    void poisonedBacklogBuiltWhileTheServerWasAwayIsDeliveredWholeAndClean() {
        try (Testbed bed = Testbed.start("poisoned")) {
            AgentProcess agent = bed.startAgent(bed.rig(RIG), "agent", UnaryOperator.identity());
            ServerAwayBacklog backlog = new ServerAwayBacklog(bed, agent, RIG);
            List<String> good = new ArrayList<>();
            List<String> noisy = new ArrayList<>();
            // With the server up: a poisoned event in the live stream, between good boards' events.
            good.add(backlog.plug(UnaryOperator.identity()));
            noisy.add(backlog.plugNoisy());
            good.add(backlog.plug(UnaryOperator.identity()));
            backlog.awaitOnRig();

            // While it is away: four noisy failures pile up in the agent's queue (over 256 KiB of output tails as
            // the programmer printed them), and a good board flashes and waits for its MAC.
            ServerAwayBacklog.Delivery delivery = backlog.serverAway(() -> {
                for (int i = 0; i < 4; i++) {
                    noisy.add(backlog.plugNoisy());
                }
                good.add(backlog.plug(UnaryOperator.identity()));
            });
            System.out.printf(Locale.ROOT, "PoisonedDeliveryIT: %d boards, %d events; server start %.1f s; from ready: "
                            + "first event stored after %.1f s, last board's record after %.1f s%n", delivery.boards(),
                    delivery.events(), delivery.serverStart().toMillis() / 1000.0,
                    delivery.readyToFirstEvent().toMillis() / 1000.0, delivery.readyToLastRecord().toMillis() / 1000.0);

            Invariants.assertEveryEventStoredOnce(bed.database(), RIG, List.of(agent), true);
            Admin admin = bed.server().admin();
            assertEquals(good.size(), Invariants.assertAllFlashedOnceWithDistinctMacs(admin, good).size());
            for (String serial : noisy) {
                JsonNode attempt = onlyAttempt(admin, serial);
                assertEquals("FAILED", attempt.path("outcome").asText(), serial + ": " + attempt);
                assertTrue(attempt.path("failureCode").asText().endsWith("PROGRAMMER_ERROR"), serial + ": " + attempt);
                // Cleaning keeps what it can: one of the programmer's own error lines, still readable.
                String message = attempt.path("message").asText();
                assertTrue(message.startsWith("Error: ") && message.contains("partition 0x01"), serial + ": " + attempt);
            }
            for (String serial : backlog.outcomes().keySet()) {
                assertCleanAndBounded(serial, onlyAttempt(admin, serial));
            }
            for (JsonNode event : agent.events()) {
                assertNoControlsIn(event, "the agent's event " + event.path("eventId").asText());
            }
            assertEquals(List.of(), agent.linesWithControls(), "raw control characters on the agent's output");
        }
    }

    private static JsonNode onlyAttempt(Admin admin, String serial) {
        JsonNode attempts = admin.board(serial).path("attempts");
        assertEquals(1, attempts.size(), "board " + serial + " has other than one attempt: " + attempts);
        return attempts.get(0);
    }

    /** The limits of {@link EventText}: what the database and every screen can be trusted to hold. */
    private static void assertCleanAndBounded(String serial, JsonNode attempt) {
        String message = attempt.path("message").asText();
        assertTrue(message.length() <= EventText.MESSAGE, serial + ": a message of " + message.length() + " chars");
        JsonNode tail = attempt.path("programmerOutputTail");
        assertTrue(tail.size() <= EventText.OUTPUT_TAIL_LINES, serial + ": an output tail of " + tail.size() + " lines");
        for (JsonNode line : tail) {
            assertTrue(line.asText().length() <= EventText.OUTPUT_LINE,
                    serial + ": an output line of " + line.asText().length() + " chars");
        }
        assertNoControlsIn(attempt, "the stored attempt of " + serial);
    }

    private static void assertNoControlsIn(JsonNode node, String where) {
        if (node.isTextual()) {
            String text = node.asText();
            assertTrue(text.chars().noneMatch(AgentProcess::isControl),
                    () -> where + " holds a control character: " + shown(text));
        }
        node.elements().forEachRemaining(child -> assertNoControlsIn(child, where));
    }

    private static void assertNoLines(List<String> lines, String what) {
        assertTrue(lines.isEmpty(), () -> lines.size() + " lines " + what + ", the first: " + shown(lines.get(0)));
    }

    /** The start of a text with its control characters as escapes, so that a failure report stays readable. */
    private static String shown(String text) {
        StringBuilder shown = new StringBuilder();
        text.chars().limit(300).forEach(c -> shown.append(AgentProcess.isControl(c)
                ? String.format(Locale.ROOT, "\\u%04x", c) : String.valueOf((char) c)));
        return shown + (text.length() > 300 ? "…" : "");
    }
}
