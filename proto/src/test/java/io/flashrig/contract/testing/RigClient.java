package io.flashrig.contract.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.RigServiceGrpc;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URL;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The tests' one gRPC client of RigService, as a rig holds one: a plain channel, the bearer token in every call. The
 * server's tests, the black-box tests and the benchmarks all use this one (from the contract's test jar).
 */
public final class RigClient implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final long DEADLINE_SECONDS = 30;

    private final ManagedChannel channel;
    private final RigServiceGrpc.RigServiceBlockingStub blocking;
    private final RigServiceGrpc.RigServiceStub async;

    /** A client of the server at {@code server} with {@code token} as its bearer token (null: no header at all). */
    public RigClient(URL server, String token) {
        this(server.getHost(), server.getPort(), token == null ? null : "Bearer " + token);
    }

    private RigClient(String host, int port, String authorization) {
        channel = ManagedChannelBuilder.forAddress(host, port).usePlaintext().build();
        Metadata headers = new Metadata();
        if (authorization != null) {
            headers.put(AUTHORIZATION, authorization);
        }
        blocking = RigServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        async = RigServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** A client of {@code localhost:port} with the rig's token as {@code Bearer <token>}. */
    public static RigClient forRig(int port, String token) {
        return new RigClient("localhost", port, "Bearer " + token);
    }

    /** A client of {@code localhost:port} sending {@code authorization} as given, however malformed (null: none). */
    public static RigClient withAuthorization(int port, String authorization) {
        return new RigClient("localhost", port, authorization);
    }

    /** The blocking stub, each call with its own deadline. */
    public RigServiceGrpc.RigServiceBlockingStub rpc() {
        return blocking.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** The asynchronous stub, for event streams driven by hand. */
    public RigServiceGrpc.RigServiceStub async() {
        return async;
    }

    /** The OpenSession request of an agent with a given event queue. */
    public static OpenSessionRequest sessionRequest(String queueId) {
        return OpenSessionRequest.newBuilder().setAgentVersion("0.1.0").setProgrammerVersion("2.17.0")
                .setLayoutName("FlashLayout_emmc.tsv").setLayoutSha256("ab".repeat(32)).setSlotCount(8)
                .setQueueId(queueId).setHostname("rig-pc-1").setFuseEnabled(true).build();
    }

    /** Events in one request of the session. */
    public static StreamBoardEventsRequest batch(OpenSessionResponse session, BoardEvent... events) {
        return StreamBoardEventsRequest.newBuilder().setSessionId(session.getSessionId())
                .addAllEvents(List.of(events)).build();
    }

    /** An open event stream: send a request, wait for its answer. */
    public EventStream stream() {
        EventStream stream = new EventStream();
        stream.requests = async.streamBoardEvents(stream);
        return stream;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asserts the contract's error shape: the status code and an ErrorInfo with domain flashrig.io and the reason. */
    public static ErrorInfo assertError(Throwable failure, Status.Code code, String reason) {
        assertInstanceOf(StatusRuntimeException.class, failure);
        assertEquals(code, Status.fromThrowable(failure).getCode(), failure.getMessage());
        com.google.rpc.Status status = io.grpc.protobuf.StatusProto.fromThrowable(failure);
        assertNotNull(status, "grpc-status-details-bin");
        try {
            ErrorInfo info = status.getDetails(0).unpack(ErrorInfo.class);
            assertEquals("flashrig.io", info.getDomain());
            assertEquals(reason, info.getReason());
            return info;
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    /** The client side of StreamBoardEvents. */
    public static final class EventStream implements StreamObserver<StreamBoardEventsResponse>, AutoCloseable {
        private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        private StreamObserver<StreamBoardEventsRequest> requests;

        /** Sends one request and returns the server's answer, or throws the stream's error. */
        public StreamBoardEventsResponse send(StreamBoardEventsRequest request) throws InterruptedException {
            requests.onNext(request);
            Object answer = answers.poll(30, TimeUnit.SECONDS);
            if (answer instanceof StreamBoardEventsResponse response) {
                return response;
            }
            if (answer instanceof StatusRuntimeException e) {
                throw e;
            }
            if (answer instanceof Throwable t) {
                throw Status.fromThrowable(t).asRuntimeException(Status.trailersFromThrowable(t));
            }
            throw new AssertionError("No answer within 30 s: " + answer);
        }

        @Override
        public void onNext(StreamBoardEventsResponse value) {
            answers.add(value);
        }

        @Override
        public void onError(Throwable t) {
            answers.add(t);
        }

        @Override
        public void onCompleted() {
            answers.add("completed");
        }

        @Override
        public void close() {
            try {
                requests.onCompleted();
            } catch (IllegalStateException alreadyClosed) {
                // The server ended the stream first.
            }
        }
    }
}
