package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.flashrig.agent.link.RpcErrors.StreamRemedy;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.Test;

class RpcErrorsTest {

    private static StatusRuntimeException withReason(Status.Code code, ErrorReason reason) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage("m")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain("flashrig.io").setReason(WireNames.reason(reason)).build())).build());
    }

    @Test
    void onlyWhatRetryingCanGetPastIsRetriedAsItIs() {
        assertEquals(StreamRemedy.OUTAGE, RpcErrors.onEventStream(Status.UNAVAILABLE.asRuntimeException()));
        assertEquals(StreamRemedy.OUTAGE, RpcErrors.onEventStream(Status.DEADLINE_EXCEEDED.asRuntimeException()));
        assertEquals(StreamRemedy.OUTAGE, RpcErrors.onEventStream(Status.CANCELLED.asRuntimeException()));
        assertEquals(StreamRemedy.TOKEN, RpcErrors.onEventStream(Status.UNAUTHENTICATED.asRuntimeException()));
        assertEquals(StreamRemedy.TOKEN, RpcErrors.onEventStream(Status.PERMISSION_DENIED.asRuntimeException()));
        assertEquals(StreamRemedy.REOPEN, RpcErrors.onEventStream(withReason(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_UNKNOWN_SESSION)));
        assertEquals(StreamRemedy.REFUSED, RpcErrors.onEventStream(Status.FAILED_PRECONDITION.asRuntimeException()));
        assertEquals(StreamRemedy.REFUSED, RpcErrors.onEventStream(withReason(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_REQUEST)));
        assertEquals(StreamRemedy.REFUSED, RpcErrors.onEventStream(Status.RESOURCE_EXHAUSTED.asRuntimeException()));
        assertEquals(StreamRemedy.SERVER_FAULT, RpcErrors.onEventStream(Status.INTERNAL.asRuntimeException()));
        assertEquals(StreamRemedy.SERVER_FAULT, RpcErrors.onEventStream(Status.UNKNOWN.asRuntimeException()));
    }

    @Test
    void anUntrustedCertificateSaysSoAndWhatToDoNotJustUnavailable() {
        // What grpc-netty reports when the server's chain leads to no trusted CA.
        var pkix = new javax.net.ssl.SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new java.security.cert.CertificateException("PKIX path building failed",
                new java.security.cert.CertPathBuilderException("unable to find valid certification path to requested target")));
        String text = RpcErrors.describe(Status.UNAVAILABLE.withDescription("io exception").withCause(pkix).asRuntimeException());
        assertEquals("the server's TLS certificate is not trusted (unable to find valid certification path to requested target):"
                + " if a factory CA signed it, give that CA with --ca-file FILE", text);
    }

    @Test
    void aCertificateForAnotherNameSaysWhichNameToUse() {
        var misnamed = new javax.net.ssl.SSLHandshakeException("No subject alternative names matching IP address 127.0.0.2 found");
        misnamed.initCause(new java.security.cert.CertificateException("No subject alternative names matching IP address 127.0.0.2 found"));
        assertEquals("the server's TLS certificate does not name the host in the server URL (No subject alternative names matching IP"
                + " address 127.0.0.2 found): use a host name the certificate was made for",
                RpcErrors.describe(Status.UNAVAILABLE.withCause(misnamed).asRuntimeException()));
    }

    @Test
    void anotherFailedHandshakeIsNamedAsOne() {
        String text = RpcErrors.describe(Status.UNAVAILABLE.withCause(new javax.net.ssl.SSLHandshakeException("Received fatal alert: protocol_version"))
                .asRuntimeException());
        assertEquals("the TLS handshake with the server failed: Received fatal alert: protocol_version", text);
        assertEquals("UNAVAILABLE: io exception", RpcErrors.describe(Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.io.IOException("Connection refused")).asRuntimeException()));
    }
}
