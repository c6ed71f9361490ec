package io.flashrig.bench;

import io.flashrig.e2e.AgentProcess;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.ServerAwayBacklog;
import io.flashrig.e2e.Testbed;
import io.flashrig.simulator.Behaviour;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * (5) Delivery after the server returns: a rig's boards fail while the server is away, the server is started again,
 * and the time until the last board's final record is on the server is measured, once for a clean backlog and once
 * for a poisoned one of the same shape (the same boards, the same events; only the programmer's words differ), each on
 * its own fresh testbed.
 */
final class DeliveryBench {

    /** Twice the four noisy failures of issue 11: a backlog of a few hundred KiB of output tails as printed. */
    private static final int BOARDS = 8;

    private DeliveryBench() {
    }

    static void run() {
        System.out.printf(Locale.ROOT, "%n== 5. Delivery after the server returns: %d boards fail while the server is away "
                + "(SIGKILL), then it is started again; times on the bench's clock, the server's from its database ==%n", BOARDS);
        Optional<ServerAwayBacklog.Delivery> clean = backlog("clean", Behaviour.FAIL);
        Optional<ServerAwayBacklog.Delivery> poisoned = backlog("poisoned", Behaviour.NOISY_FAIL);
        System.out.println("backlog                                    | boards | events | start->ready s | ready->first event s "
                + "| ready->last record s | first event->last record s");
        row("baseline: clean (FAIL, one error line)", clean);
        row("poisoned (NOISY_FAIL, ~2 MB, NUL, ESC...)", poisoned);
        if (clean.isPresent() && poisoned.isPresent()) {
            System.out.printf(Locale.ROOT, "poisoned / clean, ready -> last record: %.2f; first event -> last record: %.2f%n",
                    seconds(poisoned.get().readyToLastRecord()) / seconds(clean.get().readyToLastRecord()),
                    seconds(poisoned.get().firstEventToLastRecord()) / seconds(clean.get().firstEventToLastRecord()));
        } else {
            System.out.println("poisoned / clean: n/a - a backlog was not delivered within "
                    + ServerAwayBacklog.DELIVERY_BOUND.toSeconds() + " s (the rig is wedged)");
        }
        System.out.println("ready -> first event is mostly the agent's reconnect backoff (1 s doubling to 30 s while the "
                + "server was away), the same for both backlogs");
    }

    /** One backlog on a fresh testbed; empty when the rig did not deliver it within the bound. */
    private static Optional<ServerAwayBacklog.Delivery> backlog(String kind, Behaviour failure) {
        String rig = "bench-delivery-" + kind;
        try (Testbed bed = Testbed.start(rig)) {
            AgentProcess agent = bed.startAgent(bed.rig(rig), "agent", s -> s);
            // Let the agent start and open its session, as a rig that was working before the outage has.
            Await.sleep(Duration.ofSeconds(3));
            ServerAwayBacklog backlog = new ServerAwayBacklog(bed, agent, rig);
            return Optional.of(backlog.serverAway(() -> {
                for (int i = 0; i < BOARDS; i++) {
                    backlog.plug(board -> board.withBehaviour(failure));
                }
            }));
        } catch (AssertionError notDelivered) {
            String why = notDelivered.getMessage() == null ? "" : notDelivered.getMessage().lines().findFirst().orElse("");
            System.out.println(kind + " backlog: " + why);
            return Optional.empty();
        }
    }

    private static void row(String name, Optional<ServerAwayBacklog.Delivery> delivery) {
        if (delivery.isEmpty()) {
            System.out.printf(Locale.ROOT, "%-42s | not delivered within %d s%n", name,
                    ServerAwayBacklog.DELIVERY_BOUND.toSeconds());
            return;
        }
        ServerAwayBacklog.Delivery d = delivery.get();
        System.out.printf(Locale.ROOT, "%-42s | %6d | %6d | %14.2f | %20.2f | %20.2f | %26.2f%n", name, d.boards(), d.events(),
                seconds(d.serverStart()), seconds(d.readyToFirstEvent()), seconds(d.readyToLastRecord()),
                seconds(d.firstEventToLastRecord()));
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
