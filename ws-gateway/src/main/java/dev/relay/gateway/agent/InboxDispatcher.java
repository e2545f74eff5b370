package dev.relay.gateway.agent;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.Ttl;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to each delivered envelope (SPEC §3.8, §13.4): verify it, drop duplicates, answer pending requests,
 * otherwise run the application handler, and acknowledge. Verification runs on the connection's I/O thread (it is
 * quick and needs no locks); only application code runs on the handler thread, so a handler that waits for a request's
 * answer cannot block the delivery of that answer.
 */
final class InboxDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(InboxDispatcher.class);
    static final int DEDUPE_CAPACITY = 10_000;

    private final KeyId me;
    private final RelayKeyTrust trust;
    private final PendingRequests requests;
    private final IncomingHandler handler;
    private final ExecutorService handlerThread;
    private final Function<Envelope, Incoming> incoming;
    private final LongSupplier clockMillis;
    private final RecentIds recent = new RecentIds(DEDUPE_CAPACITY);

    InboxDispatcher(KeyId me, RelayKeyTrust trust, PendingRequests requests, IncomingHandler handler,
                    ExecutorService handlerThread, Function<Envelope, Incoming> incoming, LongSupplier clockMillis) {
        this.me = me;
        this.trust = trust;
        this.requests = requests;
        this.handler = handler;
        this.handlerThread = handlerThread;
        this.incoming = incoming;
        this.clockMillis = clockMillis;
    }

    /** One {@code message} frame of {@code connection}; called in delivery order. */
    void onDelivery(GatewayConnection connection, long delivery, String envelopeJson) {
        Envelope envelope;
        try {
            envelope = verify(envelopeJson);
        } catch (RelayException e) {
            // Acked anyway (SPEC §3.8): redelivering an envelope that fails verification would fail again.
            LOG.warn("Discarding delivery {}: {}", delivery, e.reasonString());
            connection.ack(delivery);
            return;
        }
        String dedupeKey = envelope.from() + " " + envelope.id();
        if (!recent.add(dedupeKey)) {
            LOG.debug("Discarding duplicate {}", envelope);
            connection.ack(delivery);
            return;
        }
        if (requests.complete(envelope)) {
            connection.ack(delivery);
            return;
        }
        if (handler == null) {
            LOG.warn("No handler set; discarding {}", envelope);
            connection.ack(delivery);
            return;
        }
        try {
            handlerThread.execute(() -> handle(connection, delivery, envelope, dedupeKey));
        } catch (RejectedExecutionException closing) {
            recent.remove(dedupeKey); // the agent is closing; not acked, so it comes again next time
        }
    }

    private void handle(GatewayConnection connection, long delivery, Envelope envelope, String dedupeKey) {
        try {
            handler.onMessage(incoming.apply(envelope));
        } catch (Exception | AssertionError e) {
            // Not acked: the broker keeps it and the gateway delivers it again on the next connection.
            recent.remove(dedupeKey);
            LOG.error("Handler failed on {}; not acknowledged, it will be delivered again after a reconnect",
                    envelope, e);
            return;
        }
        connection.ack(delivery);
    }

    /** SPEC §3.8 steps 1–4: parse strictly, check the recipient, the signer and the expiry. */
    Envelope verify(String envelopeJson) throws RelayException {
        Envelope envelope = Envelope.parse(envelopeJson.getBytes(StandardCharsets.UTF_8));
        if (!envelope.to().equals(me.toString())) {
            throw new RelayException(ErrorCode.RECIPIENT_MISMATCH, envelope + " is not addressed to " + me);
        }
        envelope.verify();
        if ((envelope.kind() == Kind.RESPONSE || envelope.kind() == Kind.ERROR)
                && !trust.isFromRelay(envelope, requests.awaitedOp(envelope) == SystemOp.RELAY_INFO)) {
            throw new RelayException(ErrorCode.BAD_SIGNATURE, envelope + " is not signed by the trusted relay key "
                    + (trust.relayKey() == null ? "(none known yet)" : trust.relayKey()));
        }
        if (clockMillis.getAsLong() >= envelope.expiresAtMillis(Ttl.MAX_SECONDS)) {
            throw new RelayException(ErrorCode.EXPIRED, envelope + " has expired");
        }
        return envelope;
    }
}
