package io.flashrig.e2e;

import io.flashrig.simulator.Behaviour;
import io.flashrig.simulator.SimulatedBoard;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One rig whose boards end while the server is away, and the delivery of that backlog once the server is back: the
 * scenario of issue 11, shared by {@code PoisonedDeliveryIT} and the delivery benchmark. Each board plugged through it
 * is expected to end on the server as its behaviour says: DONE when it flashes, FAILED when it fails.
 */
public final class ServerAwayBacklog {

    /**
     * How long a rig may take to deliver its backlog once the server is ready again. Generous, because the agent's
     * reconnect backoff alone reaches 30 s; a wedged rig never gets there however long one waits.
     */
    public static final Duration DELIVERY_BOUND = Duration.ofSeconds(180);
    /** How long a board may take to end on the rig: a JVM start per programmer run on a loaded 2-core machine. */
    private static final Duration ON_RIG_BOUND = Duration.ofSeconds(120);
    private static final String FAILED = "FAILED";
    private static final String DONE = "DONE";

    private final Testbed bed;
    private final AgentProcess agent;
    private final String rig;
    private final Map<String, String> outcomes = new LinkedHashMap<>();
    private int ports;

    /**
     * What the outage cost, measured from the server's side.
     *
     * @param boards            boards of the rig with a final record to deliver
     * @param events            events of the rig stored once everything arrived
     * @param serverStart       from starting the server process to its readiness (not the rig's doing)
     * @param readyToFirstEvent from readiness to the first event stored after it: mostly the agent's reconnect backoff
     * @param readyToLastRecord from readiness to the moment the last board's final record was seen on the server
     */
    public record Delivery(int boards, long events, Duration serverStart, Duration readyToFirstEvent,
                           Duration readyToLastRecord) {

        /** Delivery proper: from the first event stored after the restart to the last board's record. */
        public Duration firstEventToLastRecord() {
            return readyToLastRecord.minus(readyToFirstEvent);
        }
    }

    /** The backlog of {@code agent}, registered on the server as rig {@code rig}. */
    public ServerAwayBacklog(Testbed bed, AgentProcess agent, String rig) {
        this.bed = bed;
        this.agent = agent;
        this.rig = rig;
    }

    /**
     * Plugs a board that flashes in 0.5 s (changed by {@code shape}) into the next free port and expects its final
     * record to say what its behaviour does; returns its serial.
     */
    public String plug(UnaryOperator<SimulatedBoard> shape) {
        String serial = bed.plug("1-1." + (++ports), plain -> shape.apply(plain.withTimes(500, 300)));
        Behaviour behaviour = bed.hub().board(serial).orElseThrow().behaviour();
        outcomes.put(serial, behaviour == Behaviour.NORMAL || behaviour == Behaviour.REENUMERATE ? DONE : FAILED);
        return serial;
    }

    /** A board that fails after megabytes of NUL bytes, escape codes and bytes that are not UTF-8. */
    public String plugNoisy() {
        return plug(board -> board.withBehaviour(Behaviour.NOISY_FAIL));
    }

    /** Every board plugged so far, with the outcome its final record must have: DONE or FAILED. */
    public Map<String, String> outcomes() {
        return Map.copyOf(outcomes);
    }

    /**
     * Waits until every board plugged so far got as far as the rig can take it: a failing board has failed, a good one
     * is done, or waits for its MAC while the server is away.
     */
    public void awaitOnRig() {
        outcomes.forEach((serial, outcome) -> Await.until(ON_RIG_BOUND, "board " + serial + " to end on the rig",
                () -> FAILED.equals(outcome) ? agent.reached(serial, "FLASH_JOB_STATE_FAILED")
                        : agent.reached(serial, "FLASH_JOB_STATE_DONE")
                        || agent.reached(serial, "FLASH_JOB_STATE_WAITING_FOR_MAC"), agent::diagnostics));
    }

    /**
     * Kills the server, lets {@code whileAway} plug boards and waits until they ended on the rig, starts the server
     * again and waits, within {@link #DELIVERY_BOUND}, until every board's final record is on it.
     *
     * @throws AssertionError when the rig did not deliver within the bound, with what the server holds and the agent said
     */
    public Delivery serverAway(Runnable whileAway) {
        bed.server().kill();
        whileAway.run();
        awaitOnRig();
        Instant restart = Instant.now();
        bed.server().startAgain();
        Instant ready = Instant.now();
        Await.until(DELIVERY_BOUND, "every board's final record of rig " + rig + " on the server " + outcomes,
                () -> storedOutcomes().equals(outcomes),
                () -> "the server holds " + storedOutcomes() + "\n" + agent.diagnostics() + "\n" + bed.server().logTail());
        Instant lastRecord = Instant.now();
        Instant firstEvent = firstEventSince(ready);
        return new Delivery(outcomes.size(), bed.database().number(
                "SELECT count(*) FROM board_event e JOIN rig r ON r.id = e.rig_id WHERE r.name = '" + rig + "'"),
                Duration.between(restart, ready), Duration.between(ready, firstEvent),
                Duration.between(ready, lastRecord));
    }

    /** The outcome of each board of this backlog that has a final record on the server. */
    private Map<String, String> storedOutcomes() {
        Set<String> serials = outcomes.keySet();
        Map<String, String> stored = new HashMap<>();
        try (Connection c = bed.database().connect(); PreparedStatement s = c.prepareStatement(
                "SELECT a.serial, a.outcome FROM flash_attempt a JOIN rig r ON r.id = a.rig_id "
                        + "WHERE r.name = ? AND a.outcome IS NOT NULL")) {
            s.setString(1, rig);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String serial = rs.getString(1).toUpperCase(Locale.ROOT);
                    if (serials.contains(serial)) {
                        stored.put(serial, rs.getString(2));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the rig's attempts: " + e.getMessage(), e);
        }
        return stored;
    }

    private Instant firstEventSince(Instant since) {
        try (Connection c = bed.database().connect(); PreparedStatement s = c.prepareStatement(
                "SELECT min(e.received_at) FROM board_event e JOIN rig r ON r.id = e.rig_id "
                        + "WHERE r.name = ? AND e.received_at >= ?")) {
            s.setString(1, rig);
            s.setTimestamp(2, Timestamp.from(since));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                Timestamp first = rs.getTimestamp(1);
                return first == null ? since : first.toInstant();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the rig's events: " + e.getMessage(), e);
        }
    }
}
