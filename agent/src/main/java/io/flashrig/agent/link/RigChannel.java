package io.flashrig.agent.link;

import io.flashrig.proto.rig.v1.RigServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** The gRPC channel to the server, carrying the rig's token as {@code authorization: Bearer <token>} on every call. */
public final class RigChannel implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final ServerAddress address;

    /** A channel to {@code address}; over TLS it trusts the system's CAs. */
    public RigChannel(ServerAddress address, String token) {
        this(address, token, ServerTrust.system());
    }

    /** A channel to {@code address}; over TLS it trusts {@code trust}'s CAs and checks the server's name. */
    public RigChannel(ServerAddress address, String token, ServerTrust trust) {
        this.address = address;
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address.host(), address.port())
                // A dead connection must be noticed while the rig idles between boards.
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true);
        if (address.tls()) {
            try {
                builder.sslContext(trust.sslContext());
            } catch (SSLException e) {
                throw new IllegalStateException("TLS cannot be set up: " + e.getMessage(), e);
            }
        } else {
            builder.usePlaintext();
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        this.channel = builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build();
    }

    public RigServiceGrpc.RigServiceBlockingStub blocking() {
        return RigServiceGrpc.newBlockingStub(channel);
    }

    public RigServiceGrpc.RigServiceStub async() {
        return RigServiceGrpc.newStub(channel);
    }

    public ServerAddress address() {
        return address;
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
