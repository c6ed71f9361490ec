package io.flashrig.e2e;

import io.flashrig.proto.rig.v1.RigServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/** A plain grpc-java client of RigService, as a rig would hold one, with its token in every call. */
public final class RigClient implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final RigServiceGrpc.RigServiceBlockingStub blocking;
    private final RigServiceGrpc.RigServiceStub async;

    /** A client of {@code localhost:port} sending {@code authorization} as given (null: no header at all). */
    public RigClient(int port, String authorization) {
        channel = NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        RigServiceGrpc.RigServiceBlockingStub b = RigServiceGrpc.newBlockingStub(channel);
        RigServiceGrpc.RigServiceStub a = RigServiceGrpc.newStub(channel);
        if (authorization != null) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, authorization);
            b = b.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            a = a.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        blocking = b;
        async = a;
    }

    /** A client with the rig's token as {@code Bearer <token>}. */
    public static RigClient forRig(int port, String token) {
        return new RigClient(port, "Bearer " + token);
    }

    /** Blocking stub (set a deadline per call). */
    public RigServiceGrpc.RigServiceBlockingStub blocking() {
        return blocking.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    /** Asynchronous stub, for event streams. */
    public RigServiceGrpc.RigServiceStub async() {
        return async;
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
}
