package io.flashrig.agent.link;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.ClaimMacWriteRequest;
import io.flashrig.proto.rig.v1.ClaimMacWriteResponse;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.MacState;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.proto.rig.v1.ReportOtpMacResponse;
import io.flashrig.proto.rig.v1.RigServiceGrpc;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A RigService that behaves like the real server where the agent can tell: checks the bearer token, assigns MACs
 * idempotently by serial from a range, judges reported OTP MACs, stores each event id once and acknowledges the highest
 * committed sequence per queue. Its state outlives {@link #stop()}, as a database would, so it can be restarted.
 *
 * <p>It can also misbehave the ways a rig must survive: refuse every request that carries a poisoned event (an older
 * server that refuses a request whole), reject single events in its answer, and refuse requests above a byte limit it
 * states, as gRPC's message limit does.
 */
public final class TestRigServer extends RigServiceGrpc.RigServiceImplBase {

    private final java.util.Set<String> fused = new java.util.HashSet<>();

    public static final String TOKEN = "rig-token-1";
    private int sessionsOpened;
    /** The rig's release as this server tells it on every answer; null: none. */
    private io.flashrig.proto.rig.v1.ReleasePin releasePin;
    private java.time.Duration heartbeat;
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Map<String, MacAddress> macBySerial = new HashMap<>();
    private final Map<String, BoardEvent> eventsById = new LinkedHashMap<>();
    private final Map<String, Long> committedByQueue = new HashMap<>();
    private final Map<String, String> queueBySession = new HashMap<>();
    private final Map<String, String> writeIdBySerial = new HashMap<>();
    private final Map<String, Integer> claims = new HashMap<>();
    private final List<List<Long>> requests = new ArrayList<>();
    private final List<Long> skipped = new ArrayList<>();
    private final List<Long> rejectedSequences = new ArrayList<>();
    private java.util.function.Predicate<BoardEvent> poisoned = e -> false;
    private Status.Code poisonedCode = Status.Code.INVALID_ARGUMENT;
    private java.util.function.Predicate<BoardEvent> rejecting = e -> false;
    private int maxRequestBytes;
    private boolean quotaUsedUp;
    private int largestRequest;
    private long nextMac = 1;
    private int port;
    private Server server;

    /** Starts on {@code port} (0: any free port; then the same one on restart). */
    public synchronized TestRigServer start() throws IOException {
        ServerInterceptor auth = new ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, Metadata headers,
                    io.grpc.ServerCallHandler<Q, R> next) {
                if (!("Bearer " + TOKEN).equals(headers.get(AUTHORIZATION))) {
                    call.close(Status.UNAUTHENTICATED.withDescription("the token is unknown"), new Metadata());
                    return new io.grpc.ServerCall.Listener<>() { };
                }
                return Contexts.interceptCall(io.grpc.Context.current(), call, headers, next);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(this, auth)).build().start();
        port = server.getPort();
        return this;
    }

    public synchronized void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination();
    }

    public synchronized String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Refuses, whole, every request that carries an event {@code poison} matches. */
    public synchronized TestRigServer refuseRequestsWith(java.util.function.Predicate<BoardEvent> poison) {
        return failRequestsWith(Status.Code.INVALID_ARGUMENT, poison);
    }

    /** Fails with {@code code} every request that carries an event {@code poison} matches, as a server bug would. */
    public synchronized TestRigServer failRequestsWith(Status.Code code, java.util.function.Predicate<BoardEvent> poison) {
        this.poisoned = poison;
        this.poisonedCode = code;
        return this;
    }

    /** Commits as rejected, and lists in its answer, every event {@code reject} matches; the rest is stored. */
    public synchronized TestRigServer rejectEvents(java.util.function.Predicate<BoardEvent> reject) {
        this.rejecting = reject;
        return this;
    }

    /** States {@code bytes} as its largest request and refuses larger ones with RESOURCE_EXHAUSTED. */
    public synchronized TestRigServer limitRequestsTo(int bytes) {
        this.maxRequestBytes = bytes;
        return this;
    }

    /** The sequences of every request received, refused ones included, in arrival order. */
    public synchronized List<List<Long>> requests() {
        return new ArrayList<>(requests);
    }

    /** Sequences the agent skipped (recorded as refused on its side). */
    public synchronized List<Long> skipped() {
        return new ArrayList<>(skipped);
    }

    /** Sequences committed as rejected. */
    public synchronized List<Long> rejected() {
        return new ArrayList<>(rejectedSequences);
    }

    /** The largest request received, in serialized bytes. */
    public synchronized int largestRequest() {
        return largestRequest;
    }

    /** Every distinct event stored, in arrival order. */
    public synchronized List<BoardEvent> events() {
        return new ArrayList<>(eventsById.values());
    }

    public synchronized Map<String, MacAddress> assigned() {
        return new HashMap<>(macBySerial);
    }

    /** Records {@code serial}'s MAC as read back from its OTP, as the real server does on MacVerified. */
    public synchronized void markFused(String serial) {
        fused.add(serial);
    }

    /** How often ClaimMacWrite was called for {@code serial}. */
    public synchronized int claims(String serial) {
        return claims.getOrDefault(serial, 0);
    }

    /** The write id whose claim holds for {@code serial}, if any. */
    public synchronized String writeId(String serial) {
        return writeIdBySerial.get(serial);
    }

    /** Claims {@code serial}'s write for another board, as another rig would: this rig's claims are then refused. */
    public synchronized void claimedElsewhere(String serial) {
        assignFor(serial);
        writeIdBySerial.put(serial, "00000000-0000-4000-8000-000000000000");
    }

    /** Gives {@code serial} a MAC as if another rig had asked for it. */
    public synchronized MacAddress assignFor(String serial) {
        return macBySerial.computeIfAbsent(serial, s -> MacAddress.parse(String.format("04d921%06x", nextMac++)));
    }

    /** How many sessions were opened: a doctor beside a running agent must open none. */
    /** Pins the rig to a release (null: none), told from the next answer on. */
    public synchronized TestRigServer releasePin(io.flashrig.proto.rig.v1.ReleasePin pin) {
        this.releasePin = pin;
        return this;
    }

    /** The heartbeat interval sessions are given (null: the agent's default). */
    public synchronized TestRigServer heartbeat(java.time.Duration interval) {
        this.heartbeat = interval;
        return this;
    }

    public synchronized int sessionsOpened() {
        return sessionsOpened;
    }

    @Override
    public synchronized void checkRig(io.flashrig.proto.rig.v1.CheckRigRequest request,
            StreamObserver<io.flashrig.proto.rig.v1.CheckRigResponse> response) {
        java.time.Instant now = java.time.Instant.now();
        response.onNext(io.flashrig.proto.rig.v1.CheckRigResponse.newBuilder().setRigName("rig-a").setConnected(true)
                .setServerTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(now.getEpochSecond())
                        .setNanos(now.getNano()))
                .mergeFrom(releasePin == null ? io.flashrig.proto.rig.v1.CheckRigResponse.getDefaultInstance()
                        : io.flashrig.proto.rig.v1.CheckRigResponse.newBuilder().setReleasePin(releasePin).build())
                .build());
        response.onCompleted();
    }

    /**
     * A board's label as the real server gives it: only for a serial whose MAC was read back from its OTP
     * ({@link #markFused}), said to have been verified by rig-a at a fixed time.
     */
    @Override
    public synchronized void getBoardLabel(io.flashrig.proto.rig.v1.GetBoardLabelRequest request,
            StreamObserver<io.flashrig.proto.rig.v1.GetBoardLabelResponse> response) {
        String serial = request.getSerial().toUpperCase(java.util.Locale.ROOT);
        MacAddress mac = macBySerial.get(serial);
        if (mac == null) {
            response.onError(error(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_BOARD_NOT_FOUND,
                    "No MAC was ever assigned to board " + serial + ", so it has no label."));
            return;
        }
        if (!fused.contains(serial)) {
            response.onError(error(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_MAC_NOT_VERIFIED,
                    "Board " + serial + " was given MAC " + mac + ", but no rig has read it back from the board's OTP yet."));
            return;
        }
        response.onNext(io.flashrig.proto.rig.v1.GetBoardLabelResponse.newBuilder().setSerial(serial).setMac(mac.canonical())
                .setRigName("rig-a").setVerifiedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(
                        java.time.Instant.parse("2026-12-07T09:30:00Z").getEpochSecond())).build());
        response.onCompleted();
    }

    @Override
    public synchronized void openSession(OpenSessionRequest request, StreamObserver<OpenSessionResponse> response) {
        sessionsOpened++;
        String session = UUID.randomUUID().toString();
        queueBySession.put(session, request.getQueueId());
        OpenSessionResponse.Builder answer = OpenSessionResponse.newBuilder().setRigName("rig-a").setSessionId(session)
                .setCommittedThroughSequence(committedByQueue.getOrDefault(request.getQueueId(), 0L))
                .setMaxEventsPerRequest(5).setMaxRequestBytes(maxRequestBytes);
        if (releasePin != null) {
            answer.setReleasePin(releasePin);
        }
        if (heartbeat != null) {
            answer.setHeartbeatInterval(com.google.protobuf.Duration.newBuilder().setNanos((int) heartbeat.toNanos()));
        }
        response.onNext(answer.build());
        response.onCompleted();
    }

    @Override
    public StreamObserver<StreamBoardEventsRequest> streamBoardEvents(StreamObserver<StreamBoardEventsResponse> response) {
        return new StreamObserver<>() {
            /** Failed by this server: like the real one, it takes nothing more from this stream. */
            private boolean ended;

            @Override
            public void onNext(StreamBoardEventsRequest request) {
                StreamBoardEventsResponse.Builder answer = StreamBoardEventsResponse.newBuilder();
                synchronized (TestRigServer.this) {
                    if (ended) {
                        return;
                    }
                    ended = true;
                    requests.add(request.getEventsList().stream().map(BoardEvent::getSequence).toList());
                    largestRequest = Math.max(largestRequest, request.getSerializedSize());
                    String queue = queueBySession.get(request.getSessionId());
                    if (queue == null) {
                        response.onError(error(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_UNKNOWN_SESSION, "unknown session"));
                        return;
                    }
                    if (maxRequestBytes > 0 && request.getSerializedSize() > maxRequestBytes) {
                        response.onError(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds maximum size "
                                + maxRequestBytes + ": " + request.getSerializedSize()).asRuntimeException());
                        return;
                    }
                    if (request.getEventsCount() > 5) {
                        response.onError(error(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_REQUEST, "too many events"));
                        return;
                    }
                    if (request.getEventsList().stream().anyMatch(poisoned)) {
                        response.onError(poisonedCode == Status.Code.INVALID_ARGUMENT
                                ? error(poisonedCode, ErrorReason.ERROR_REASON_INVALID_REQUEST, "a value the database cannot store")
                                : Status.fromCode(poisonedCode).withDescription("the server failed unexpectedly").asRuntimeException());
                        return;
                    }
                    long committed = committedByQueue.getOrDefault(queue, 0L);
                    for (BoardEvent e : request.getEventsList()) {
                        if (e.getSequence() <= committed) {
                            continue;
                        }
                        // The contract lets the agent skip only what it recorded as refused; the tests check which.
                        for (long gap = committed + 1; gap < e.getSequence(); gap++) {
                            skipped.add(gap);
                        }
                        if (rejecting.test(e)) {
                            rejectedSequences.add(e.getSequence());
                            answer.addRejected(RejectedEvent.newBuilder().setEventId(e.getEventId()).setSequence(e.getSequence())
                                    .setMessage("rejected: a value the database cannot store"));
                        } else {
                            eventsById.putIfAbsent(e.getEventId(), e);
                        }
                        committed = e.getSequence();
                    }
                    committedByQueue.put(queue, committed);
                    answer.setCommittedThroughSequence(committed);
                    if (releasePin != null) {
                        answer.setReleasePin(releasePin);
                    }
                    ended = false;
                }
                response.onNext(answer.build());
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                response.onCompleted();
            }
        };
    }

    /** Refuses every new MAC as the real server does for a rig past its quota of new MACs per hour (or no more). */
    public synchronized void quotaUsedUp(boolean usedUp) {
        quotaUsedUp = usedUp;
    }

    @Override
    public synchronized void assignMac(AssignMacRequest request, StreamObserver<AssignMacResponse> response) {
        if (quotaUsedUp && !macBySerial.containsKey(request.getSerial())) {
            response.onError(error(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_RIG_QUOTA_EXCEEDED, "Rig 'rig-a' has used up its"
                    + " quota of 600 new MACs per hour"));
            return;
        }
        boolean fresh = !macBySerial.containsKey(request.getSerial());
        MacAddress mac = assignFor(request.getSerial());
        MacState state = fused.contains(request.getSerial()) ? MacState.MAC_STATE_FUSED : MacState.MAC_STATE_ASSIGNED;
        AssignMacResponse.Builder answer = AssignMacResponse.newBuilder().setMac(mac.canonical()).setState(state).setNewlyAssigned(fresh);
        response.onNext(answer.build());
        response.onCompleted();
    }

    @Override
    public synchronized void claimMacWrite(ClaimMacWriteRequest request, StreamObserver<ClaimMacWriteResponse> response) {
        claims.merge(request.getSerial(), 1, Integer::sum);
        String holder = writeIdBySerial.putIfAbsent(request.getSerial(), request.getWriteId());
        if (holder != null && !holder.equals(request.getWriteId())) {
            response.onError(error(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_SERIAL_IN_USE, "The write of this serial's MAC was"
                    + " claimed by rig 'rig-2'"));
            return;
        }
        response.onNext(ClaimMacWriteResponse.newBuilder().setMac(macBySerial.get(request.getSerial()).canonical()).build());
        response.onCompleted();
    }

    @Override
    public synchronized void reportOtpMac(ReportOtpMacRequest request, StreamObserver<ReportOtpMacResponse> response) {
        MacAddress mac = MacAddress.parse(request.getMac());
        MacAddress own = macBySerial.get(request.getSerial());
        String owner = macBySerial.entrySet().stream().filter(e -> e.getValue().equals(mac)).map(Map.Entry::getKey).findFirst().orElse(null);
        if (owner != null && !owner.equals(request.getSerial())) {
            response.onError(error(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_MAC_CONFLICT, "MAC " + mac + " belongs to board " + owner));
            return;
        }
        if (own != null && !own.equals(mac)) {
            response.onError(error(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_MAC_MISMATCH, "board holds " + own));
            return;
        }
        OtpMacVerdict verdict = own != null ? OtpMacVerdict.OTP_MAC_VERDICT_CONFIRMED : OtpMacVerdict.OTP_MAC_VERDICT_ADOPTED;
        macBySerial.put(request.getSerial(), mac);
        response.onNext(ReportOtpMacResponse.newBuilder().setVerdict(verdict).setMac(mac.canonical()).build());
        response.onCompleted();
    }

    private static StatusRuntimeException error(Status.Code code, ErrorReason reason, String message) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain("flashrig.io").setReason(WireNames.reason(reason)).build())).build());
    }
}
