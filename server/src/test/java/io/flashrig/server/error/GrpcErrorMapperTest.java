package io.flashrig.server.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Every failed RigService call carries an ErrorInfo, also when the failure is the server's own. */
class GrpcErrorMapperTest {

    private static ErrorInfo info(Throwable mapped) throws Exception {
        return StatusProto.fromThrowable(mapped).getDetails(0).unpack(ErrorInfo.class);
    }

    @Test
    void aLostDatabaseIsUnavailableWithItsReason() throws Exception {
        Throwable mapped = GrpcErrorMapper.toStatus(new IllegalStateException(new SQLException("refused", "08001")));
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(mapped).getCode());
        assertEquals("SERVER_UNAVAILABLE", info(mapped).getReason());
        assertEquals(GrpcErrorMapper.DOMAIN, info(mapped).getDomain());
    }

    @Test
    void anUnexpectedFailureIsInternalWithItsReasonAndNoDetailsOfTheBug() throws Exception {
        Throwable mapped = GrpcErrorMapper.toStatus(new NullPointerException("secret internals"));
        assertEquals(Status.Code.INTERNAL, Status.fromThrowable(mapped).getCode());
        assertEquals("SERVER_ERROR", info(mapped).getReason());
        assertEquals(false, Status.fromThrowable(mapped).getDescription().contains("secret"));
    }
}
