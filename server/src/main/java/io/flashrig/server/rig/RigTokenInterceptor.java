package io.flashrig.server.rig;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Carries the call's {@code authorization} metadata into the gRPC context. Only that: looking the token up needs the
 * database, which the service does on a worker thread, never here on the event loop.
 */
@GlobalInterceptor
@ApplicationScoped
public class RigTokenInterceptor implements ServerInterceptor {

    static final Context.Key<String> AUTHORIZATION = Context.key("flashrig-authorization");

    private static final Metadata.Key<String> HEADER =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(AUTHORIZATION, headers.get(HEADER)), call, headers,
                next);
    }
}
