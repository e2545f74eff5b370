package dev.relay.client;

import dev.relay.protocol.Envelope;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A verified envelope from the inbox (SPEC §3.8 checks passed: strictly parsed, addressed to this client, signed by its
 * sender, not expired, not a duplicate), with shortcuts to answer it through the client that received it.
 */
public final class Incoming {
    private final RelayClient client;
    private final Envelope envelope;
    private volatile boolean leftUnacknowledged;

    /** Made by the client that received and verified {@code envelope}; answers go through {@code client}. */
    public Incoming(RelayClient client, Envelope envelope) {
        this.client = client;
        this.envelope = envelope;
    }

    /** The envelope exactly as its sender signed it ({@code from} is the verified sender). */
    public Envelope envelope() {
        return envelope;
    }

    /** The body bytes (a copy). */
    public byte[] body() {
        return envelope.body();
    }

    /** The body decoded as UTF-8. */
    public String text() {
        return new String(envelope.body(), StandardCharsets.UTF_8);
    }

    /** A {@code message} back to the sender, {@code in_reply_to} this one, in its thread. */
    public CompletableFuture<String> reply(String contentType, byte[] body) {
        return client.reply(envelope, contentType, body);
    }

    /**
     * Leaves this delivery unacknowledged when the handler returns, so the broker keeps it for another consumer of the
     * inbox (or this session's next connection): for tools that look at an inbox they do not own, such as the
     * command line's one-shot commands, which must not consume what the inbox's application should get.
     */
    public void leaveUnacknowledged() {
        leftUnacknowledged = true;
    }

    boolean isLeftUnacknowledged() {
        return leftUnacknowledged;
    }

    /** A {@code text/plain} reply. */
    public CompletableFuture<String> reply(String text) {
        return reply(RelayClient.TEXT_PLAIN, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A signed receipt for this envelope; {@code status} is {@code delivered} or {@code read}. */
    public CompletableFuture<String> receipt(String status) {
        return client.receipt(envelope, status);
    }

    /** Starts a streamed reply ({@code stream} chunks, then a final {@code message}). */
    public StreamReply streamReply() {
        return client.streamReply(envelope);
    }

    @Override
    public String toString() {
        return "Incoming[" + envelope + "]";
    }
}
