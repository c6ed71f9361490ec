package io.flashrig.agent.link;

import io.flashrig.agent.programmer.Durations;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Delivers the durable queue to the server on its own thread: OpenSession, drop what the server already committed,
 * stream the rest in order in batches the server accepts, delete exactly what it acknowledges, and start over with
 * exponential backoff when anything breaks. Flashing never waits for it.
 */
public final class RigLink implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RigLink.class);
    /** Requests sent but not yet answered; more would only pile up in memory while the server is slow. */
    private static final int MAX_IN_FLIGHT = 4;
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);

    /** What the operator's display shows about the server. */
    public record Status(boolean connected, String rigName, String problem) {
    }

    private final RigChannel channel;
    private final EventQueue queue;
    private final OpenSessionRequest hello;
    private final Duration backoffMin;
    private final Duration backoffMax;
    private final Thread thread;
    private final AtomicReference<Status> status = new AtomicReference<>(new Status(false, "", "connecting"));
    private volatile boolean closed;

    /** @param hello the rig's self-description; its queue id is filled in from the queue */
    public RigLink(RigChannel channel, EventQueue queue, OpenSessionRequest hello, Duration backoffMin, Duration backoffMax) {
        this.channel = channel;
        this.queue = queue;
        this.hello = hello.toBuilder().setQueueId(queue.queueId()).build();
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
        this.thread = new Thread(this::loop, "server-link");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public Status status() {
        return status.get();
    }

    private void loop() {
        Duration backoff = backoffMin;
        while (!closed) {
            try {
                OpenSessionResponse session = channel.blocking().withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .openSession(hello);
                queue.acknowledge(session.getCommittedThroughSequence());
                if (!status.get().connected()) {
                    LOG.infof("connected to %s as rig %s; %d events to deliver", channel.address(), session.getRigName(), queue.size());
                }
                status.set(new Status(true, session.getRigName(), ""));
                backoff = backoffMin;
                stream(session);
            } catch (InterruptedException e) {
                return;
            } catch (StatusRuntimeException | IOException | StreamBroken e) {
                if (closed) {
                    return;
                }
                String problem = e instanceof StatusRuntimeException sre ? RpcErrors.describe(sre) : e.getMessage();
                Status was = status.getAndSet(new Status(false, "", problem));
                if (was.connected() || !problem.equals(was.problem())) {
                    LOG.warnf("server %s: %s; board events stay queued (%d) and are sent when it answers", channel.address(), problem, queue.size());
                }
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            backoff = Durations.doubled(backoff, backoffMax);
        }
    }

    /** The stream failed or ended; the session is over. */
    private static final class StreamBroken extends Exception {
        StreamBroken(String message) {
            super(message);
        }
    }

    private void stream(OpenSessionResponse session) throws InterruptedException, IOException, StreamBroken {
        int max = session.getMaxEventsPerRequest() > 0 ? session.getMaxEventsPerRequest() : 100;
        Duration asked = Duration.ofSeconds(session.getHeartbeatInterval().getSeconds(),
                session.getHeartbeatInterval().getNanos());
        Duration heartbeat = session.hasHeartbeatInterval() && !asked.isZero() && !asked.isNegative() ? asked : DEFAULT_HEARTBEAT;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicReference<String> broken = new AtomicReference<>();
        AtomicReference<ClientCallStreamObserver<StreamBoardEventsRequest>> call = new AtomicReference<>();
        StreamObserver<StreamBoardEventsRequest> requests = channel.async().streamBoardEvents(
                new ClientResponseObserver<StreamBoardEventsRequest, StreamBoardEventsResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<StreamBoardEventsRequest> requestStream) {
                        call.set(requestStream);
                    }

                    @Override
                    public void onNext(StreamBoardEventsResponse response) {
                        try {
                            queue.acknowledge(response.getCommittedThroughSequence());
                        } catch (IOException e) {
                            broken.compareAndSet(null, "cannot record the acknowledgement: " + e.getMessage());
                        }
                        for (RejectedEvent rejected : response.getRejectedList()) {
                            LOG.warnf("the server rejected event %d (%s): %s", rejected.getSequence(), rejected.getEventId(), rejected.getMessage());
                        }
                        inFlight.decrementAndGet();
                        queue.wake();
                    }

                    @Override
                    public void onError(Throwable t) {
                        broken.compareAndSet(null, RpcErrors.describe(t));
                        queue.wake();
                    }

                    @Override
                    public void onCompleted() {
                        broken.compareAndSet(null, "the server ended the event stream");
                        queue.wake();
                    }
                });
        long sentThrough = queue.acknowledged();
        long lastSent = System.nanoTime();
        try {
            while (!closed) {
                if (broken.get() != null) {
                    throw new StreamBroken(broken.get());
                }
                List<BoardEvent> batch = inFlight.get() < MAX_IN_FLIGHT ? queue.after(sentThrough, max) : List.of();
                boolean heartbeatDue = System.nanoTime() - lastSent >= heartbeat.toNanos();
                if (!batch.isEmpty() || heartbeatDue && inFlight.get() < MAX_IN_FLIGHT) {
                    requests.onNext(StreamBoardEventsRequest.newBuilder().setSessionId(session.getSessionId()).addAllEvents(batch).build());
                    inFlight.incrementAndGet();
                    lastSent = System.nanoTime();
                    if (!batch.isEmpty()) {
                        sentThrough = batch.get(batch.size() - 1).getSequence();
                    }
                    continue;
                }
                long untilHeartbeat = heartbeat.toNanos() - (System.nanoTime() - lastSent);
                // Woken by a new event, an acknowledgement or an error; otherwise at the next heartbeat.
                queue.awaitAfter(inFlight.get() < MAX_IN_FLIGHT ? sentThrough : Long.MAX_VALUE, Duration.ofNanos(Math.max(untilHeartbeat, 1_000_000)));
            }
        } finally {
            ClientCallStreamObserver<StreamBoardEventsRequest> c = call.get();
            if (c != null) {
                c.cancel("the agent closes the session", null);
            }
        }
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
