package dev.relay.store;

/**
  * Result of {@link RelayStore#verifyAuditChain()}.
  *
  * @param intact      true if every record checked out
  * @param records     number of records that verified as intact (all of them, or those before the first problem)
  * @param firstBadSeq sequence number of the first bad (or missing) record, -1 if intact
  * @param problem     what is wrong with it, null if intact
  */
public record AuditVerification(boolean intact, long records, long firstBadSeq, String problem) {

    public static AuditVerification ok(long records) {
        return new AuditVerification(true, records, -1, null);
    }

    public static AuditVerification broken(long records, long firstBadSeq, String problem) {
        return new AuditVerification(false, records, firstBadSeq, problem);
    }
}
