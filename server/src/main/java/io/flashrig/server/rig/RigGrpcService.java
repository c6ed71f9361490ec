package io.flashrig.server.rig;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.Quoted;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.CheckRigRequest;
import io.flashrig.proto.rig.v1.CheckRigResponse;
import io.flashrig.proto.rig.v1.ClaimMacWriteRequest;
import io.flashrig.proto.rig.v1.ClaimMacWriteResponse;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.GetBoardLabelRequest;
import io.flashrig.proto.rig.v1.GetBoardLabelResponse;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.proto.rig.v1.ReportOtpMacResponse;
import io.flashrig.proto.rig.v1.RigService;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.api.Uuids;
import io.flashrig.server.board.BoardLabels;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.error.GrpcErrorMapper;
import io.flashrig.server.pool.MacAllocator;
import io.flashrig.server.pool.PoolService;
import io.flashrig.server.pool.PoolWire;
import io.flashrig.server.release.ReleasePins;
import io.flashrig.server.security.Caller;
import io.flashrig.server.security.TokenService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The rig-facing gRPC service. Every call authenticates its rig token and touches the database on a worker thread,
 * but for AssignMac with a token this replica knows, whose batch is sent by a worker of its own; the stream handles its
 * requests one after another, each in its own transaction, answering only after commit.
 */
@GrpcService
public class RigGrpcService implements RigService {

    private static final int MAX_ATTEMPT_ID = 64;

    private final TokenService tokens;
    private final RigRegistry rigs;
    private final PoolService pool;
    private final RigEventStream events;
    private final ReleasePins pins;
    private final BoardLabels labels;

    RigGrpcService(TokenService tokens, RigRegistry rigs, PoolService pool, RigEventStream events, ReleasePins pins,
            BoardLabels labels) {
        this.pins = pins;
        this.labels = labels;
        this.tokens = tokens;
        this.rigs = rigs;
        this.pool = pool;
        this.events = events;
    }

    @Override
    public Uni<OpenSessionResponse> openSession(OpenSessionRequest request) {
        return asRig(rig -> pins.onSession(rig.rigId(), rigs.openSession(rig.rigId(), request)));
    }

    @Override
    public Multi<StreamBoardEventsResponse> streamBoardEvents(Multi<StreamBoardEventsRequest> requests) {
        String authorization = RigTokenInterceptor.AUTHORIZATION.get();
        String where = RigTokenInterceptor.WHERE.get();
        AtomicReference<Long> streamingRig = new AtomicReference<>();
        return requests
                .onItem().transformToUniAndConcatenate(request -> onWorker(() -> {
                    // Checked per request, so that a rig revoked mid-stream is cut off at its next request.
                    Caller rig = tokens.authenticateRig(authorization, where);
                    streamingRig.set(rig.rigId());
                    return pins.onStream(rig.rigId(), events.apply(rig.rigId(), request));
                }))
                .onTermination().invoke(() -> {
                    Long rigId = streamingRig.get();
                    if (rigId != null) {
                        Infrastructure.getDefaultWorkerPool().execute(() -> rigs.streamClosed(rigId));
                    }
                })
                .onFailure().transform(GrpcErrorMapper::toStatus);
    }

    /**
     * Stays on the event loop while the rig's token is one this replica already knows: the ask joins the next batch
     * and the answer is written when it comes, with no worker thread waiting for it (issue 18). An unknown token is
     * looked up on a worker thread first, as every other call's is.
     */
    @Override
    public Uni<AssignMacResponse> assignMac(AssignMacRequest request) {
        String authorization = RigTokenInterceptor.AUTHORIZATION.get();
        String where = RigTokenInterceptor.WHERE.get();
        Caller known = tokens.knownRig(authorization);
        Uni<Caller> rig = known != null ? Uni.createFrom().item(known)
                : onWorker(() -> tokens.authenticateRig(authorization, where));
        return rig.onItem().transformToUni(caller -> Uni.createFrom().completionStage(() -> pool.assign(
                        BoardSerial.parse(request.getSerial()), caller.rigId(), attemptId(request.getAttemptId()))))
                .map(assignment -> AssignMacResponse.newBuilder()
                        .setMac(assignment.mac().toString())
                        .setState(PoolWire.macState(assignment.state()))
                        .setNewlyAssigned(assignment.newlyAssigned())
                        .build())
                .onFailure().transform(GrpcErrorMapper::toStatus);
    }

    @Override
    public Uni<ClaimMacWriteResponse> claimMacWrite(ClaimMacWriteRequest request) {
        return asRig(rig -> {
            BoardSerial serial = BoardSerial.parse(request.getSerial());
            MacAddress mac = MacAddress.parse(request.getMac());
            // One spelling per write id: "1-2-3-4-5" and its canonical form must not be two claims.
            String writeId = Uuids.parse(request.getWriteId()).map(UUID::toString).orElseThrow(() -> new DomainException(
                    DomainException.Kind.INVALID, ErrorReason.ERROR_REASON_INVALID_REQUEST, "write_id must be a UUID,"
                    + " not '" + Quoted.of(request.getWriteId()) + "'.", Map.of("field", "write_id")));
            Instant claimedAt = pool.claimWrite(serial, mac, writeId, rig.rigId(), rig.name(),
                    attemptId(request.getAttemptId()));
            return ClaimMacWriteResponse.newBuilder().setMac(mac.toString())
                    .setClaimedAt(RigRegistry.timestamp(claimedAt))
                    .build();
        });
    }

    @Override
    public Uni<ReportOtpMacResponse> reportOtpMac(ReportOtpMacRequest request) {
        return asRig(rig -> {
            BoardSerial serial = BoardSerial.parse(request.getSerial());
            MacAddress mac = MacAddress.parse(request.getMac());
            MacAllocator.OtpOutcome outcome = pool.reportOtp(serial, mac, rig.rigId(), rig.name(),
                    attemptId(request.getAttemptId()));
            return ReportOtpMacResponse.newBuilder()
                    .setVerdict(PoolWire.verdict(outcome.verdict()))
                    .setMac(outcome.mac().toString())
                    .build();
        });
    }

    @Override
    public Uni<CheckRigResponse> checkRig(CheckRigRequest request) {
        return asRig(rig -> pins.onCheck(rig.rigId(), rigs.check(rig.rigId())));
    }

    @Override
    public Uni<GetBoardLabelResponse> getBoardLabel(GetBoardLabelRequest request) {
        return asRig(rig -> {
            BoardLabels.Label label = labels.label(BoardSerial.parse(request.getSerial()));
            return GetBoardLabelResponse.newBuilder().setSerial(label.serial().value()).setMac(label.mac().toString())
                    .setRigName(label.rig()).setVerifiedAt(RigRegistry.timestamp(label.verifiedAt())).build();
        });
    }

    /** Authenticates the calling rig and runs the work for it on a worker thread. */
    private <T> Uni<T> asRig(Function<Caller, T> work) {
        String authorization = RigTokenInterceptor.AUTHORIZATION.get();
        String where = RigTokenInterceptor.WHERE.get();
        return onWorker(() -> work.apply(tokens.authenticateRig(authorization, where)))
                .onFailure().transform(GrpcErrorMapper::toStatus);
    }

    private static <T> Uni<T> onWorker(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static String attemptId(String attemptId) {
        return attemptId.isEmpty() ? null : attemptId.substring(0, Math.min(attemptId.length(), MAX_ATTEMPT_ID));
    }
}
