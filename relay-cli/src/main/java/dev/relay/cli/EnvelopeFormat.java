package dev.relay.cli;

import dev.relay.protocol.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** One line per envelope for people; {@code --json} prints the envelope itself instead. */
final class EnvelopeFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private EnvelopeFormat() {
    }

    static String line(Envelope envelope) {
        StringBuilder line = new StringBuilder()
                .append(TIME.format(Instant.ofEpochMilli(envelope.ts()))).append("Z  ")
                .append(envelope.kind().wireName()).append("  from ").append(envelope.from())
                .append("  id ").append(envelope.id());
        if (envelope.threadId() != null) {
            line.append("  thread ").append(envelope.threadId());
        }
        if (envelope.inReplyTo() != null) {
            line.append("  re ").append(envelope.inReplyTo());
        }
        if (envelope.seq() != null) {
            line.append("  seq ").append(envelope.seq());
        }
        return line.append("\n  ").append(body(envelope)).toString();
    }

    /** One line naming an envelope that a filtered view received but does not show in full. */
    static String consumedElsewhere(Envelope envelope, String filter) {
        return "relay: also received " + envelope.kind().wireName() + " " + envelope.id() + " from "
                + envelope.from() + " (not shown by " + filter + "; use 'relay listen' to see everything)";
    }

    /** The body as text when it is text, else its size and type. */
    static String body(Envelope envelope) {
        String type = envelope.effectiveContentType();
        if (type.startsWith("text/") || type.startsWith("application/json")) {
            return new String(envelope.body(), StandardCharsets.UTF_8);
        }
        return "<" + envelope.bodyLength() + " bytes " + type + ">";
    }
}
