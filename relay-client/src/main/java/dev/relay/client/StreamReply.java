package dev.relay.client;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A reply sent piece by piece (SPEC §3.5.3): {@code stream} chunks with {@code seq} 0, 1, 2, … and then one final
 * {@code message}, all {@code in_reply_to} the original and in its thread. Chunks are signed and queued for sending
 * under one lock, so they leave in {@code seq} order even when several threads write to the same reply. Each chunk
 * counts against the relay's rate limit (§9): batch tokens into chunks rather than sending each one.
 */
public final class StreamReply {
    private final RelayClient client;
    private final Envelope original;
    private int nextSeq;
    private boolean finished;

    public StreamReply(RelayClient client, Envelope original) {
        this.client = client;
        this.original = original;
    }

    /** Sends the next chunk as UTF-8 {@code text/plain}. */
    public CompletableFuture<String> chunk(String text) {
        return chunk(RelayClient.TEXT_PLAIN, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends the next chunk as bytes (no content type, i.e. {@code application/octet-stream}). */
    public CompletableFuture<String> chunk(byte[] bytes) {
        return chunk(null, bytes);
    }

    private synchronized CompletableFuture<String> chunk(String contentType, byte[] bytes) {
        if (finished) {
            throw new IllegalStateException("the stream reply is finished");
        }
        Envelope.Builder chunk = Envelope.builder(Kind.STREAM).to(original.from()).inReplyTo(original.id())
                .threadId(original.threadId()).seq(nextSeq).contentType(contentType).body(bytes);
        CompletableFuture<String> sent = client.send(chunk);
        nextSeq++;
        return sent;
    }

    /** Ends the stream with the final {@code text/plain} message (which may be empty or hold the whole reply). */
    public synchronized CompletableFuture<String> finish(String text) {
        if (finished) {
            throw new IllegalStateException("the stream reply is finished");
        }
        finished = true;
        return client.reply(original, RelayClient.TEXT_PLAIN, text.getBytes(StandardCharsets.UTF_8));
    }

    /** How many chunks were sent so far (the next {@code seq}). */
    public synchronized int chunksSent() {
        return nextSeq;
    }
}
