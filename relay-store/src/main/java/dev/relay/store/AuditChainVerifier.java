package dev.relay.store;

import java.util.Arrays;

/**
  * Checks audit records fed in ascending seq order, stopping at the first problem. Store implementations stream their
  * table through it page by page, so verifying a large log needs constant memory.
  *
  * <p>The optional head (the last record the running store wrote) catches what the chain alone cannot: records cut off
  * at the end, or a last record rewritten together with its hash.
  */
public final class AuditChainVerifier {

    private final long headSeq;
    private final byte[] headHash;

    private long expectedSeq = 1;
    private byte[] prevHash = AuditChain.genesisHash();
    private long verified;
    private AuditVerification failure;

    /**
      * @param headSeq  seq of the last record known to be written, 0 if none or unknown
      * @param headHash hash of that record, null if unknown
      */
    public AuditChainVerifier(long headSeq, byte[] headHash) {
        this.headSeq = headSeq;
        this.headHash = headHash == null ? null : headHash.clone();
    }

    /** Checks the next record. Returns false once a problem was found; feeding more records is then pointless. */
    public boolean accept(AuditRecord record) {
        if (failure != null) {
            return false;
        }
        long seq = record.seq();
        if (seq != expectedSeq) {
            return fail(expectedSeq, seq > expectedSeq
                    ? "gap: record " + expectedSeq + " is missing (next record is " + seq + ")"
                    : "out of order: record " + seq + " follows record " + (expectedSeq - 1));
        }
        if (!Arrays.equals(record.prevHash(), prevHash)) {
            return fail(seq, seq == 1
                    ? "broken link: prev_hash of record 1 is not the genesis value (32 zero bytes)"
                    : "broken link: prev_hash of record " + seq + " does not match the hash of record " + (seq - 1));
        }
        if (!Arrays.equals(record.hash(), AuditChain.expectedHash(record))) {
            return fail(seq, "hash mismatch: content of record " + seq + " does not match its stored hash");
        }
        if (headHash != null && seq == headSeq && !Arrays.equals(record.hash(), headHash)) {
            return fail(seq, "record " + seq + " differs from the chain head this store wrote (rewritten with its hash)");
        }
        prevHash = record.hash();
        expectedSeq++;
        verified++;
        return true;
    }

    /** The verdict after the last record was fed. */
    public AuditVerification result() {
        if (failure != null) {
            return failure;
        }
        long lastSeq = expectedSeq - 1;
        if (lastSeq < headSeq) {
            return AuditVerification.broken(verified, lastSeq + 1,
                    "truncated: the log ends at record " + lastSeq + " but this store has written up to record " + headSeq);
        }
        return AuditVerification.ok(verified);
    }

    private boolean fail(long badSeq, String problem) {
        failure = AuditVerification.broken(verified, badSeq, problem);
        return false;
    }
}
