package dev.relay.protocol;

/**
 * The checks a relay applies to every envelope a connection publishes, in the order of SPEC §3.7, so that every
 * broker adapter (and every test vector) reports the same code for the same fault.
 */
public final class InboundCheck {
    /** How far in the future an envelope timestamp may be (clock skew between sender and relay). */
    public static final long DEFAULT_MAX_SKEW_MILLIS = 300_000;

    private InboundCheck() {
    }

    /**
     * @param payload     the published bytes
     * @param connection  the authenticated identity of the publishing connection
     * @param addressedTo the inbox key id the publish went to, or {@link Envelope#SYSTEM_RECIPIENT}
     * @return the envelope, verified, addressed right and alive
     */
    public static Envelope check(byte[] payload, KeyId connection, String addressedTo, long nowMillis,
                                 long maxTtlSeconds, long maxSkewMillis) throws RelayException {
        Envelope envelope = Envelope.parse(payload);
        envelope.verify(connection);
        if (!envelope.to().equals(addressedTo)) {
            throw new RelayException(ErrorCode.RECIPIENT_MISMATCH,
                    "envelope is for " + envelope.to() + " but was sent to " + addressedTo);
        }
        if (envelope.ts() > nowMillis + maxSkewMillis) {
            throw new RelayException(ErrorCode.BAD_TIMESTAMP,
                    "envelope ts is " + (envelope.ts() - nowMillis) / 1000 + " s ahead of relay time; check the sender's clock");
        }
        if (envelope.expiresAtMillis(maxTtlSeconds) <= nowMillis) {
            throw new RelayException(ErrorCode.EXPIRED, "envelope " + envelope.id() + " expired before it was accepted");
        }
        return envelope;
    }
}
