package io.flashrig.server.audit;

import io.flashrig.server.security.CurrentCaller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;

/** Writes the audit trail, in the transaction of the change it records. */
@ApplicationScoped
public class AuditLog {

    private final CurrentCaller caller;

    AuditLog(CurrentCaller caller) {
        this.caller = caller;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String subject, String detail) {
        AuditEntry entry = new AuditEntry();
        entry.at = Instant.now();
        entry.actor = caller.name();
        entry.action = action;
        entry.subject = subject;
        entry.detail = detail;
        entry.persist();
    }
}
