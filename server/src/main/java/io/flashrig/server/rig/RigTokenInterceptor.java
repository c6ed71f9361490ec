package io.flashrig.server.rig;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Carries the call's {@code authorization} metadata, and where the call came from, into the gRPC context. Only that:
 * looking the token up may need the database, which the service does on a worker thread, never here on the event loop
 * (AssignMac reads only this replica's cache there, and goes to a worker when it does not vouch for the token).
 */
@GlobalInterceptor
@ApplicationScoped
public class RigTokenInterceptor implements ServerInterceptor {

    static final Context.Key<String> AUTHORIZATION = Context.key("flashrig-authorization");
    /** The call and the rig's address, for the log of refused sign-ins. */
    static final Context.Key<String> WHERE = Context.key("flashrig-where");

    private static final Metadata.Key<String> HEADER =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String where = "gRPC " + call.getMethodDescriptor().getFullMethodName() + " from "
                + (remote instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort() : remote);
        return Contexts.interceptCall(Context.current().withValue(AUTHORIZATION, headers.get(HEADER))
                .withValue(WHERE, where), call, headers, next);
    }
}
