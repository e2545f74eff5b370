package dev.relay.client;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sent messages whose receipt the sender waits for (SPEC §3.5.2): a receipt completes the wait only if it is signed by
 * the message's recipient, names the message and quotes its digest, so it proves that exact message arrived.
 */
public final class PendingReceipts {
    private static final Logger LOG = LoggerFactory.getLogger(PendingReceipts.class);

    private record Pending(Envelope sent, CompletableFuture<Receipt> receipt) {
    }

    private final Map<String, Pending> byMessageId = new ConcurrentHashMap<>();

    /** Waits for a receipt of {@code sent}; fails with {@code timeout} after {@code timeout}. */
    public CompletableFuture<Receipt> register(Envelope sent, Duration timeout) {
        CompletableFuture<Receipt> receipt = new CompletableFuture<>();
        byMessageId.put(sent.id(), new Pending(sent, receipt));
        receipt.whenComplete((result, failure) -> byMessageId.remove(sent.id()));
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                receipt.completeExceptionally(new RelayClientException(RelayClientException.TIMEOUT,
                        "no receipt for " + sent.id() + " within " + timeout)));
        return receipt;
    }

    /** Completes the wait that a verified {@code receipt} envelope answers; false if it answers none. */
    public boolean complete(Envelope envelope) {
        if (envelope.kind() != Kind.RECEIPT || envelope.inReplyTo() == null) {
            return false;
        }
        Pending pending = byMessageId.get(envelope.inReplyTo());
        if (pending == null) {
            return false;
        }
        try {
            Receipt receipt = Receipt.parse(envelope);
            if (!envelope.from().equals(pending.sent().to()) || !receipt.matches(pending.sent())) {
                LOG.warn("Receipt {} does not prove message {} (wrong signer or digest); ignored", envelope,
                        pending.sent().id());
                return false;
            }
            pending.receipt().complete(receipt);
            return true;
        } catch (RelayException e) {
            LOG.warn("Receipt {} is malformed: {}", envelope, e.reasonString());
            return false;
        }
    }
}
