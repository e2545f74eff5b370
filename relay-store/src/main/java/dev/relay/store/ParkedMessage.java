package dev.relay.store;

import java.util.Arrays;
import java.util.Objects;

/**
  * An envelope held by the relay for a recipient the broker cannot queue for yet.
  *
  * @param seq         store-wide increasing sequence number (delivery order)
  * @param recipient   key id of the recipient
  * @param envelope    envelope bytes
  * @param expiresAtMs when it stops being deliverable (epoch ms)
  */
public record ParkedMessage(long seq, String recipient, byte[] envelope, long expiresAtMs) {

    public ParkedMessage {
        Objects.requireNonNull(recipient, "recipient");
        envelope = Objects.requireNonNull(envelope, "envelope").clone();
    }

    @Override
    public byte[] envelope() {
        return envelope.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParkedMessage p
                && seq == p.seq
                && recipient.equals(p.recipient)
                && Arrays.equals(envelope, p.envelope)
                && expiresAtMs == p.expiresAtMs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, recipient, expiresAtMs) * 31 + Arrays.hashCode(envelope);
    }

    @Override
    public String toString() {
        return "ParkedMessage[seq=" + seq + ", recipient=" + recipient + ", envelope=" + envelope.length
                + " bytes, expiresAtMs=" + expiresAtMs + "]";
    }
}
