package dev.relay.store;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A record of the audit log. {@code hash} is {@link AuditChain#hash} over {@code prevHash} and the other fields;
 * {@code prevHash} is the hash of record {@code seq - 1} (32 zero bytes for seq 1).
 */
public record AuditRecord(
    long seq, long atMs, String type, String actor, String subject, String detail, byte[] prevHash, byte[] hash) {

  public AuditRecord {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(detail, "detail");
    prevHash = Objects.requireNonNull(prevHash, "prevHash").clone();
    hash = Objects.requireNonNull(hash, "hash").clone();
  }

  @Override
  public byte[] prevHash() {
    return prevHash.clone();
  }

  @Override
  public byte[] hash() {
    return hash.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditRecord r
        && seq == r.seq
        && atMs == r.atMs
        && type.equals(r.type)
        && actor.equals(r.actor)
        && subject.equals(r.subject)
        && detail.equals(r.detail)
        && Arrays.equals(prevHash, r.prevHash)
        && Arrays.equals(hash, r.hash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(seq, atMs, type, actor, subject, detail) * 31 + Arrays.hashCode(hash);
  }

  @Override
  public String toString() {
    return "AuditRecord[seq=" + seq + ", atMs=" + atMs + ", type=" + type + ", actor=" + actor + ", subject="
        + subject + ", detail=" + detail + ", hash=" + HexFormat.of().formatHex(hash) + "]";
  }
}
