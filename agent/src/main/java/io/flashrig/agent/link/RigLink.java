package io.flashrig.agent.link;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import io.flashrig.agent.programmer.Durations;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Delivers the durable queue to the server on its own thread: OpenSession, drop what the server already committed,
 * stream the rest in order in batches the server accepts (by count and by bytes), delete exactly what it acknowledges,
 * and start over when anything breaks. Flashing never waits for it.
 *
 * <p>What happens after a failure depends on the status ({@link RpcErrors#onEventStream}): an outage or a refused token
 * is retried with exponential backoff; an unknown session is reopened at once. A request the server refuses for what it
 * carries is never simply resent: the link resends it in halves, one request at a time, until the one event the server
 * refuses is found, records that event durably as refused ({@link RefusedEvents}), skips it and delivers the rest. The
 * events the server rejects one by one (listed in a response) are recorded the same way before they are acknowledged.
 * So one bad event never stops a rig's delivery, and no event leaves the queue without a trace.
 */
public final class RigLink implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RigLink.class);
    /** Requests sent but not yet answered; more would only pile up in memory while the server is slow. */
    private static final int MAX_IN_FLIGHT = 4;
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    /** The largest request a server that does not state its limit surely accepts: the Vert.x gRPC server's default. */
    static final int DEFAULT_MAX_REQUEST_BYTES = 262_144;
    /**
     * Kept free below the server's limit (at most an eighth of it), for the request's own fields and any rounding in
     * what the server counts.
     */
    static final int REQUEST_MARGIN = 1_024;
    /**
     * Unexpected server failures (INTERNAL, UNKNOWN) in a row on a request starting with the same event, after which
     * the request counts as refused. One is often a passing fault; three on the same events, with backoff between them,
     * point at those events, and a rig must not wait for a server fix forever. Transient database trouble is not
     * counted here: the server answers it with UNAVAILABLE.
     */
    static final int SERVER_FAULTS_BEFORE_ISOLATING = 3;

    /** What the operator's display shows about the server. */
    public record Status(boolean connected, String rigName, String problem) {
    }

    private final RigChannel channel;
    private final EventQueue queue;
    private final RefusedEvents refused;
    private final OpenSessionRequest hello;
    private final Duration backoffMin;
    private final Duration backoffMax;
    private final Thread thread;
    private final AtomicReference<Status> status = new AtomicReference<>(new Status(false, "", "connecting"));
    private volatile boolean closed;

    /**
     * Events the server rejected whose record failed (a full or failing disk). Recorded before anything more is
     * acknowledged, also the next session's committed sequence, which would otherwise delete them without a trace.
     */
    private final Deque<Rejection> unrecorded = new ArrayDeque<>();

    private record Rejection(BoardEvent event, String why) {
    }

    // Touched by the link's thread only.
    /** The events among which the one the server refuses lies, oldest first; empty unless isolating. */
    private List<BoardEvent> suspects = List.of();
    /** The first sequence of the request the server last failed on unexpectedly, and how often in a row. */
    private long faultedSequence = -1;
    /** The clock warning last given, so that a reconnect does not repeat it; null while the clock is right. */
    private String clockWarning;
    private int faults;
    private volatile Consumer<Optional<ReleasePin>> releases = pin -> { };

    /**
     * @param hello the rig's self-description; its queue id is filled in from the queue
     * @throws IOException when the record of refused events beside the queue cannot be read
     */
    public RigLink(RigChannel channel, EventQueue queue, OpenSessionRequest hello, Duration backoffMin, Duration backoffMax)
            throws IOException {
        this.channel = channel;
        this.queue = queue;
        this.refused = RefusedEvents.in(queue.dir());
        this.hello = hello.toBuilder().setQueueId(queue.queueId()).build();
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
        this.thread = new Thread(this::loop, "server-link");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /**
     * Receives the rig's release from every session and stream answer (empty: the server gives none); set before
     * {@link #start()}.
     */
    public void onRelease(Consumer<Optional<ReleasePin>> listener) {
        this.releases = listener;
    }

    public Status status() {
        return status.get();
    }

    /** How many of this queue's events were refused over its life (kept in the state directory). */
    public int refusedEvents() {
        return refused.count();
    }

    /** The stream failed or ended; the session is over. */
    private static final class StreamBroken extends Exception {
        /** The status the stream failed with; null when it ended otherwise (closed by the server, a local failure). */
        final transient Throwable status;
        /** What the oldest unanswered request carried: the one the server was at when it failed. */
        final transient List<BoardEvent> failedRequest;
        /** True when the stream got at least one answer: it was not dead from the start. */
        final boolean answered;

        StreamBroken(String message, Throwable status, List<BoardEvent> failedRequest, boolean answered) {
            super(message);
            this.status = status;
            this.failedRequest = failedRequest;
            this.answered = answered;
        }
    }

    private void loop() {
        Duration backoff = backoffMin;
        boolean reopened = false;
        while (!closed) {
            try {
                Instant sent = Instant.now();
                OpenSessionResponse session = channel.blocking().withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .openSession(hello.toBuilder().setAgentTime(Timestamp.newBuilder().setSeconds(sent.getEpochSecond())
                                .setNanos(sent.getNano())).build());
                checkClock(sent, Instant.now(), session);
                recordRejections(List.of());
                queue.acknowledge(session.getCommittedThroughSequence());
                releases.accept(session.hasReleasePin() ? Optional.of(session.getReleasePin()) : Optional.empty());
                if (!status.get().connected()) {
                    LOG.infof("connected to %s as rig %s; %d events to deliver", channel.address(), session.getRigName(), queue.size());
                }
                status.set(new Status(true, session.getRigName(), ""));
                stream(session);
                return;
            } catch (InterruptedException e) {
                return;
            } catch (StreamBroken e) {
                if (closed) {
                    return;
                }
                if (e.answered) {
                    backoff = backoffMin;
                    reopened = false;
                }
                RpcErrors.StreamRemedy remedy = e.status == null ? RpcErrors.StreamRemedy.OUTAGE : RpcErrors.onEventStream(e.status);
                if (remedy == RpcErrors.StreamRemedy.REOPEN) {
                    // At once, unless the fresh session was not known either: then the server is confused, not the rig.
                    LOG.infof("server %s: %s; opening a new session", channel.address(), e.getMessage());
                    sleep(reopened ? backoffMin : Duration.ZERO);
                    reopened = true;
                    continue;
                }
                reopened = false;
                try {
                    if (refusedRequest(remedy, e)) {
                        // Each refusal narrows the search, so the short pause is enough and the search ends soon.
                        sleep(backoffMin);
                        continue;
                    }
                } catch (IOException io) {
                    problem(io.getMessage());
                    sleep(backoff);
                    backoff = Durations.doubled(backoff, backoffMax);
                    continue;
                }
                problem(remedy == RpcErrors.StreamRemedy.TOKEN ? "token refused: " + e.getMessage() : e.getMessage());
            } catch (StatusRuntimeException e) {
                if (closed) {
                    return;
                }
                problem((RpcErrors.tokenRefused(e) ? "token refused: " : "") + RpcErrors.describe(e));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                problem(e.getMessage());
            }
            if (!sleep(backoff)) {
                return;
            }
            backoff = Durations.doubled(backoff, backoffMax);
        }
    }

    /** Warns once per change when this computer's clock is off from the server's beyond what the server believes. */
    private void checkClock(Instant sent, Instant received, OpenSessionResponse session) {
        if (!session.hasServerTime()) {
            return;
        }
        String warning = ClockCheck.warning(ClockCheck.offset(sent, received, session.getServerTime())).orElse(null);
        if (warning != null && !warning.equals(clockWarning)) {
            LOG.warn(warning);
        }
        clockWarning = warning;
    }

    /** False when interrupted: the link is closing. */
    private boolean sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void problem(String problem) {
        Status was = status.getAndSet(new Status(false, "", problem));
        if (was.connected() || !problem.equals(was.problem())) {
            LOG.warnf("server %s: %s; board events stay queued (%d) and are sent when it answers", channel.address(), problem, queue.size());
        }
    }

    /**
     * Handles a failure that retrying the same request cannot get past: narrows the suspects to the failed request, or
     * records and skips its one event. False when the failure is not of that kind (or the request carried nothing).
     */
    private boolean refusedRequest(RpcErrors.StreamRemedy remedy, StreamBroken e) throws IOException {
        long acknowledged = queue.acknowledged();
        List<BoardEvent> failed = e.failedRequest.stream().filter(event -> event.getSequence() > acknowledged).toList();
        if (remedy == RpcErrors.StreamRemedy.SERVER_FAULT && !failed.isEmpty()) {
            long first = failed.get(0).getSequence();
            faults = first == faultedSequence ? faults + 1 : 1;
            faultedSequence = first;
            if (faults < SERVER_FAULTS_BEFORE_ISOLATING) {
                return false;
            }
        } else if (remedy != RpcErrors.StreamRemedy.REFUSED || failed.isEmpty()) {
            return false;
        }
        faultedSequence = -1;
        faults = 0;
        if (failed.size() > 1) {
            if (suspects.isEmpty()) {
                LOG.warnf("server %s refused a request of %d board events (%s): resending them in halves to find the one it refuses",
                        channel.address(), failed.size(), e.getMessage());
            }
            suspects = failed;
            return true;
        }
        BoardEvent bad = failed.get(0);
        refused.record(bad, RefusedEvents.RefusedBy.AGENT_ISOLATED, e.getMessage());
        if (!queue.skipRefused(bad.getSequence())) {
            LOG.errorf("board event %d was recorded as refused but is not the oldest queued event; it stays queued", bad.getSequence());
        }
        suspects = List.of();
        return true;
    }

    private void stream(OpenSessionResponse session) throws InterruptedException, IOException, StreamBroken {
        int maxEvents = session.getMaxEventsPerRequest() > 0 ? session.getMaxEventsPerRequest() : 100;
        int maxBytes = session.getMaxRequestBytes() > 0 ? session.getMaxRequestBytes() : DEFAULT_MAX_REQUEST_BYTES;
        // A server stating a tiny limit would otherwise leave no room at all below the margin.
        int budget = maxBytes - Math.min(REQUEST_MARGIN, maxBytes / 8) - CodedOutputStream.computeStringSize(1, session.getSessionId());
        Duration asked = Duration.ofSeconds(session.getHeartbeatInterval().getSeconds(),
                session.getHeartbeatInterval().getNanos());
        Duration heartbeat = session.hasHeartbeatInterval() && !asked.isZero() && !asked.isNegative() ? asked : DEFAULT_HEARTBEAT;
        // What each unanswered request carried, oldest first: answers come in order, and a failure is the oldest's.
        Deque<List<BoardEvent>> inFlight = new ArrayDeque<>();
        AtomicReference<StreamBroken> broken = new AtomicReference<>();
        AtomicBoolean answered = new AtomicBoolean();
        AtomicReference<ClientCallStreamObserver<StreamBoardEventsRequest>> call = new AtomicReference<>();
        StreamObserver<StreamBoardEventsRequest> requests = channel.async().streamBoardEvents(
                new ClientResponseObserver<StreamBoardEventsRequest, StreamBoardEventsResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<StreamBoardEventsRequest> requestStream) {
                        call.set(requestStream);
                    }

                    @Override
                    public void onNext(StreamBoardEventsResponse response) {
                        List<BoardEvent> carried;
                        synchronized (inFlight) {
                            carried = inFlight.isEmpty() ? List.of() : inFlight.removeFirst();
                        }
                        try {
                            // Recorded before the acknowledgement deletes them from the queue.
                            recordRejections(response.getRejectedList().stream()
                                    .map(rejected -> new Rejection(carriedOrId(carried, rejected), rejected.getMessage())).toList());
                            queue.acknowledge(response.getCommittedThroughSequence());
                            releases.accept(response.hasReleasePin() ? Optional.of(response.getReleasePin()) : Optional.empty());
                            answered.set(true);
                        } catch (IOException e) {
                            broken.compareAndSet(null, new StreamBroken(e.getMessage(), null,
                                    List.of(), answered.get()));
                        }
                        queue.wake();
                    }

                    @Override
                    public void onError(Throwable t) {
                        broken.compareAndSet(null, new StreamBroken(RpcErrors.describe(t), t, oldest(inFlight), answered.get()));
                        queue.wake();
                    }

                    @Override
                    public void onCompleted() {
                        broken.compareAndSet(null, new StreamBroken("the server ended the event stream", null, oldest(inFlight), answered.get()));
                        queue.wake();
                    }
                });
        long sentThrough = queue.acknowledged();
        long lastSent = System.nanoTime();
        try {
            while (!closed) {
                if (broken.get() != null) {
                    throw broken.get();
                }
                int flying;
                synchronized (inFlight) {
                    flying = inFlight.size();
                }
                List<BoardEvent> batch = List.of();
                if (!suspects.isEmpty()) {
                    long acknowledged = queue.acknowledged();
                    suspects = suspects.stream().filter(event -> event.getSequence() > acknowledged).toList();
                    if (suspects.isEmpty()) {
                        LOG.infof("server %s: the refused request's events were delivered after all; sending as usual", channel.address());
                    } else if (flying == 0) {
                        // One half at a time, so that a refusal is this half's.
                        batch = EventFit.batch(suspects.subList(0, (suspects.size() + 1) / 2), budget);
                    }
                }
                if (suspects.isEmpty() && flying < MAX_IN_FLIGHT) {
                    batch = EventFit.batch(queue.after(Math.max(sentThrough, queue.acknowledged()), maxEvents), budget);
                }
                boolean heartbeatDue = System.nanoTime() - lastSent >= heartbeat.toNanos();
                if (!batch.isEmpty() || heartbeatDue && flying < MAX_IN_FLIGHT) {
                    synchronized (inFlight) {
                        inFlight.addLast(batch);
                    }
                    requests.onNext(StreamBoardEventsRequest.newBuilder().setSessionId(session.getSessionId()).addAllEvents(batch).build());
                    lastSent = System.nanoTime();
                    if (!batch.isEmpty()) {
                        sentThrough = batch.get(batch.size() - 1).getSequence();
                    }
                    continue;
                }
                long untilHeartbeat = heartbeat.toNanos() - (System.nanoTime() - lastSent);
                boolean mayStream = suspects.isEmpty() && flying < MAX_IN_FLIGHT;
                // Woken by a new event, an acknowledgement or an error; otherwise at the next heartbeat.
                queue.awaitAfter(mayStream ? sentThrough : Long.MAX_VALUE, Duration.ofNanos(Math.max(untilHeartbeat, 1_000_000)));
            }
        } finally {
            ClientCallStreamObserver<StreamBoardEventsRequest> c = call.get();
            if (c != null) {
                c.cancel("the agent closes the session", null);
            }
        }
    }

    /** Records what the server rejected, and what it rejected earlier but could not be recorded then. */
    private void recordRejections(List<Rejection> rejections) throws IOException {
        synchronized (unrecorded) {
            unrecorded.addAll(rejections);
            for (Rejection next = unrecorded.peekFirst(); next != null; next = unrecorded.peekFirst()) {
                refused.record(next.event(), RefusedEvents.RefusedBy.SERVER, next.why());
                unrecorded.removeFirst();
            }
        }
    }

    private static List<BoardEvent> oldest(Deque<List<BoardEvent>> inFlight) {
        synchronized (inFlight) {
            return inFlight.isEmpty() ? List.of() : inFlight.peekFirst();
        }
    }

    /** The rejected event as it was sent; only its id and sequence when the server named one the request did not carry. */
    private static BoardEvent carriedOrId(List<BoardEvent> carried, RejectedEvent rejected) {
        return carried.stream().filter(e -> e.getSequence() == rejected.getSequence()).findFirst()
                .orElseGet(() -> BoardEvent.newBuilder().setEventId(rejected.getEventId()).setSequence(rejected.getSequence()).build());
    }

    /** Stops delivering; what is left stays in the queue for the next run. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        queue.wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
