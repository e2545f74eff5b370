package dev.relay.protocol;

import java.util.Locale;

/** Envelope kinds of SPEC §3.5. */
public enum Kind {
    MESSAGE, RECEIPT, STREAM, REQUEST, RESPONSE, ERROR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Kind fromWire(String name) throws RelayException {
        for (Kind kind : values()) {
            if (kind.wireName().equals(name)) {
                return kind;
            }
        }
        throw new RelayException(ErrorCode.UNSUPPORTED_KIND, "unknown kind '" + Envelope.shorten(name) + "'");
    }

    /** Kinds that answer another message and so must name it in {@code in_reply_to}. */
    boolean requiresInReplyTo() {
        return this == RECEIPT || this == STREAM || this == RESPONSE;
    }
}
