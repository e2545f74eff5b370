package dev.relay.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
  * The audit log's hash chain, shared by every store implementation so all of them (and independent verifiers) compute
  * the same bytes:
  *
  * <pre>
  * hash = SHA-256( prevHash(32) || u64be(seq) || u64be(atMs) || str(type) || str(actor) || str(subject) || str(detail) )
  * str(s) = u32be(UTF-8 length) || UTF-8 bytes;  prevHash of seq 1 = 32 zero bytes
  * </pre>
  *
  * Length prefixes make the encoding unambiguous: moving characters between fields changes the hash.
  */
public final class AuditChain {

    /** Length of every hash in the chain (SHA-256). */
    public static final int HASH_LENGTH = 32;

    private AuditChain() {}

    /** The prevHash of record 1. */
    public static byte[] genesisHash() {
        return new byte[HASH_LENGTH];
    }

    /** Hash of a record with the given fields. */
    public static byte[] hash(
            byte[] prevHash, long seq, long atMs, String type, String actor, String subject, String detail) {
        Objects.requireNonNull(prevHash, "prevHash");
        if (prevHash.length != HASH_LENGTH) {
            throw new IllegalArgumentException("prevHash must be " + HASH_LENGTH + " bytes, was " + prevHash.length);
        }
        MessageDigest sha256 = sha256();
        sha256.update(prevHash);
        sha256.update(ByteBuffer.allocate(16).putLong(seq).putLong(atMs).array());
        str(sha256, type);
        str(sha256, actor);
        str(sha256, subject);
        str(sha256, detail);
        return sha256.digest();
    }

    /** Recomputes the hash a record should carry, from its content and prevHash. */
    public static byte[] expectedHash(AuditRecord record) {
        return hash(record.prevHash(), record.seq(), record.atMs(), record.type(), record.actor(), record.subject(),
                record.detail());
    }

    /** Builds the record that appends {@code event} after a record with sequence {@code prevSeq} and hash {@code prevHash}. */
    public static AuditRecord link(long prevSeq, byte[] prevHash, AuditEvent event) {
        long seq = prevSeq + 1;
        byte[] hash = hash(prevHash, seq, event.atMs(), event.type(), event.actor(), event.subject(), event.detail());
        return new AuditRecord(seq, event.atMs(), event.type(), event.actor(), event.subject(), event.detail(), prevHash,
                hash);
    }

    private static void str(MessageDigest digest, String s) {
        byte[] utf8 = Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(utf8.length).array());
        digest.update(utf8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256.
            throw new IllegalStateException("SHA-256 not available", e);
        }
    }
}
