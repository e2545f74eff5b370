package dev.relay.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message the relay accepted, kept for deduplication, delivery state, reply checks and thread history.
 *
 * @param sender      key id of the sender
 * @param messageId   id chosen by the sender, unique per sender
 * @param recipient   key id of the recipient
 * @param threadId    thread id, or null
 * @param inReplyTo   id of the message this one answers, or null
 * @param kind        message kind
 * @param tsMs        sender timestamp (epoch ms)
 * @param expiresAtMs when the message expires (epoch ms)
 * @param state       delivery state
 * @param envelope    the envelope bytes, or null when not kept (e.g. receipts)
 */
public record MessageRecord(
    String sender,
    String messageId,
    String recipient,
    String threadId,
    String inReplyTo,
    String kind,
    long tsMs,
    long expiresAtMs,
    DeliveryState state,
    byte[] envelope) {

  public MessageRecord {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(state, "state");
    envelope = envelope == null ? null : envelope.clone();
  }

  @Override
  public byte[] envelope() {
    return envelope == null ? null : envelope.clone();
  }

  /** Same message with another state. */
  public MessageRecord withState(DeliveryState newState) {
    return new MessageRecord(sender, messageId, recipient, threadId, inReplyTo, kind, tsMs, expiresAtMs, newState,
        envelope);
  }

  // byte[] components compare by content, so records read back from a store equal the ones written.
  @Override
  public boolean equals(Object o) {
    return o instanceof MessageRecord m
        && sender.equals(m.sender)
        && messageId.equals(m.messageId)
        && recipient.equals(m.recipient)
        && Objects.equals(threadId, m.threadId)
        && Objects.equals(inReplyTo, m.inReplyTo)
        && kind.equals(m.kind)
        && tsMs == m.tsMs
        && expiresAtMs == m.expiresAtMs
        && state == m.state
        && Arrays.equals(envelope, m.envelope);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sender, messageId, recipient, threadId, inReplyTo, kind, tsMs, expiresAtMs, state)
        * 31 + Arrays.hashCode(envelope);
  }

  @Override
  public String toString() {
    return "MessageRecord[sender=" + sender + ", messageId=" + messageId + ", recipient=" + recipient
        + ", threadId=" + threadId + ", inReplyTo=" + inReplyTo + ", kind=" + kind + ", tsMs=" + tsMs
        + ", expiresAtMs=" + expiresAtMs + ", state=" + state
        + ", envelope=" + (envelope == null ? "null" : envelope.length + " bytes") + "]";
  }
}
