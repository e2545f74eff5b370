package dev.relay.store;

import java.util.Objects;

/**
  * An event to append to the audit log. All strings are required; use {@code ""} for none, so the hashed layout has no
  * null case.
  */
public record AuditEvent(long atMs, String type, String actor, String subject, String detail) {

    public AuditEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(detail, "detail");
    }
}
