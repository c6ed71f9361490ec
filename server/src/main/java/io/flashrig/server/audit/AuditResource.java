package io.flashrig.server.audit;

import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Page;
import io.flashrig.server.api.PageRequest;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;

/** Who changed the pool, the rigs or the tokens, what, and when: newest first. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    /** One audit entry as the API shows it. */
    public record AuditView(long id, Instant at, String actor, String action, String subject, String detail) {
    }

    private final FlashRigConfig config;

    AuditResource(FlashRigConfig config) {
        this.config = config;
    }

    @GET
    @Transactional
    public Page<AuditView> list(@QueryParam("page") String page, @QueryParam("size") String size) {
        return PageRequest.of(page, size, config).fetch(AuditEntry.<AuditEntry>find("order by at desc, id desc"),
                e -> new AuditView(e.id, e.at, e.actor, e.action, e.subject, e.detail));
    }
}
