package dev.relay.store;

import java.util.Objects;

/**
  * Position in a thread's history: the last message of the previous page. History is ordered newest first by
  * (tsMs, sender, messageId) descending, so the triple is a total order even when timestamps collide.
  */
public record HistoryCursor(long tsMs, String sender, String messageId) {

    public HistoryCursor {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(messageId, "messageId");
    }

    /** Cursor that continues after the given message. */
    public static HistoryCursor after(MessageRecord message) {
        return new HistoryCursor(message.tsMs(), message.sender(), message.messageId());
    }
}
