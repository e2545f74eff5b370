package dev.relay.client;

import dev.relay.client.ClientTransport.Connection;
import dev.relay.client.ClientTransport.PublishAnswer;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import dev.relay.protocol.Kind;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envelopes on their way to the relay and what became of them (SPEC §10.2), on every transport: each send's result,
 * the optional {@link Outbox} that keeps sends across offline periods and restarts, the wait for an {@code error}
 * envelope where the broker's answer does not say why a publish was refused, and the pause a {@code rate_limited}
 * refusal asks of the outbox.
 */
final class PendingSends {
    private static final Logger LOG = LoggerFactory.getLogger(PendingSends.class);
    /** How long the outbox waits before sending again after an {@code internal} refusal. */
    private static final long INTERNAL_RETRY_SECONDS = 5;

    private final Outbox outbox;
    private final Duration refusalWindow;
    private final ScheduledExecutorService scheduler;
    private final Supplier<Connection> current;
    private final Supplier<RelayClientException> notConnected;
    /** Results of sends made by this process, by envelope id (outbox entries from an earlier run have none). */
    private final Map<String, CompletableFuture<String>> results = new ConcurrentHashMap<>();
    /** Sent envelopes whose refusal may still come as an error envelope (see the refusal window), by id. */
    private final Map<String, Envelope> awaitingRefusal = new ConcurrentHashMap<>();
    /** Outbox envelopes published on the current connection and not yet answered. */
    private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
    private volatile long flushPausedUntilMillis;
    /** Until when the relay drops this client's publishes without a word (see {@link #refusalArrived}). */
    private volatile long silentlyRefusedUntilMillis;

    /**
     * @param outbox       the outbox, or null to fail sends while there is no connection
     * @param current      the current connection, or null while there is none
     * @param notConnected the failure of a send without outbox while there is no connection
     */
    PendingSends(Outbox outbox, Duration refusalWindow, ScheduledExecutorService scheduler,
                 Supplier<Connection> current, Supplier<RelayClientException> notConnected) {
        this.outbox = outbox;
        this.refusalWindow = refusalWindow;
        this.scheduler = scheduler;
        this.current = current;
        this.notConnected = notConnected;
    }

    /**
     * Sends {@code envelope}: into the outbox first when there is one and {@code durable} (then it waits there while
     * disconnected), else on the current connection. Completes with the id once the relay accepted it.
     */
    CompletableFuture<String> send(Envelope envelope, boolean durable) {
        CompletableFuture<String> result = results.computeIfAbsent(envelope.id(), id -> new CompletableFuture<>());
        result.whenComplete((id, failure) -> results.remove(envelope.id(), result));
        Connection connection = current.get();
        long silentFor = silentlyRefusedUntilMillis - System.currentTimeMillis();
        if (silentFor > 0 && (outbox == null || !durable)) {
            long seconds = Math.max(1, (silentFor + 999) / 1000);
            result.completeExceptionally(new RelayClientException(ErrorCode.RATE_LIMITED.code(),
                    ErrorMapping.retryAfterText(seconds, "the relay refused an earlier send for the rate limit and "
                            + "drops sends until then without saying so"), seconds));
            return result;
        }
        if (outbox != null && durable) {
            try {
                outbox.add(envelope);
            } catch (IOException e) {
                result.completeExceptionally(new RelayClientException(ErrorMapping.INTERNAL,
                        "could not write the outbox " + outbox.file() + ": " + e.getMessage(), e));
                return result;
            }
            // Only this envelope: the backlog goes out on (re)connect and after a rate-limit pause, so a send does not
            // walk the whole outbox.
            if (connection != null && !paused() && inFlight.putIfAbsent(envelope.id(), Boolean.TRUE) == null) {
                publish(connection, envelope);
            }
            return result;
        }
        if (connection == null) {
            result.completeExceptionally(notConnected.get());
            return result;
        }
        publish(connection, envelope);
        return result;
    }

    /** Sends what the outbox holds, oldest first, unless it is already on its way or the relay asked to wait. */
    void flush() {
        Connection connection = current.get();
        if (outbox == null || connection == null || paused()) {
            return;
        }
        for (Envelope envelope : outbox.pending()) {
            if (inFlight.putIfAbsent(envelope.id(), Boolean.TRUE) == null) {
                publish(connection, envelope);
            }
        }
    }

    /**
     * An {@code error} envelope (verified, from the relay) that answers one of these sends is its refusal (SPEC §10.2:
     * MQTT 3.1.1 and QoS 0 refusals come this way); false if it answers none.
     *
     * <p>A {@code rate_limited} one names no envelope: the relay does not read a payload it refuses for the rate (SPEC
     * §9), and it may send one such envelope per {@code retry_after} period for every publish it drops meanwhile. So
     * it refuses every send still waiting for its answer (sending one again is safe: the relay drops a duplicate of an
     * accepted one, SPEC §10.8), and sends made before {@code retry_after} is over fail at once (outbox sends wait).
     */
    boolean refusalArrived(Envelope envelope) {
        if (envelope.kind() != Kind.ERROR) {
            return false;
        }
        if (envelope.inReplyTo() != null) {
            Envelope refusedSend = awaitingRefusal.remove(envelope.inReplyTo());
            if (refusedSend == null) {
                return false;
            }
            refused(refusedSend, ErrorMapping.fromErrorBody(envelope.body()));
            return true;
        }
        Refusal refusal = ErrorMapping.fromErrorBody(envelope.body());
        if (!ErrorCode.RATE_LIMITED.code().equals(refusal.code())) {
            return false;
        }
        // Whatever is waiting now: until retry_after the relay drops publishes without a word, so nothing may go out,
        // from the outbox either (its envelopes would be settled as accepted when their window ends).
        long waitSeconds = Math.max(1, refusal.retryAfter().orElse(1));
        silentlyRefusedUntilMillis = System.currentTimeMillis() + waitSeconds * 1000;
        pauseOutbox(waitSeconds, "the relay's rate limit");
        if (awaitingRefusal.isEmpty()) {
            return false; // names no send of this client: the application sees it
        }
        for (String id : List.copyOf(awaitingRefusal.keySet())) {
            Envelope refusedSend = awaitingRefusal.remove(id);
            if (refusedSend != null) {
                refused(refusedSend, refusal);
            }
        }
        return true;
    }

    /** The connection ended: sends outside the outbox fail (sending them again is safe); the outbox goes again. */
    void connectionLost(RelayClientException cause) {
        inFlight.clear();
        RelayClientException lost = new RelayClientException(RelayClientException.CONNECTION_LOST,
                "the connection ended before the relay answered (" + cause.getMessage()
                        + "); sending the same envelope again is safe", cause);
        results.forEach((id, result) -> {
            if (!inOutbox(id)) {
                result.completeExceptionally(lost);
            }
        });
    }

    /** The client closed: every waiting result fails; the outbox keeps what it holds for the next run. */
    void closed(RelayClientException closed) {
        results.values().forEach(result -> result.completeExceptionally(closed));
        if (outbox != null) {
            outbox.close();
        }
    }

    int outboxSize() {
        return outbox == null ? 0 : outbox.size();
    }

    private void publish(Connection connection, Envelope envelope) {
        String id = envelope.id();
        if (hasRefusalWindow()) {
            // Registered before publishing: on MQTT 3.1.1 the error envelope can overtake the PUBACK's callback.
            awaitingRefusal.put(id, envelope);
        }
        connection.publish(envelope).whenComplete((answer, failure) -> {
            if (failure != null) {
                awaitingRefusal.remove(id);
                inFlight.remove(id);
                if (!inOutbox(id)) { // an outbox envelope goes again on the next connection
                    resultOf(id).completeExceptionally(failure instanceof RelayClientException known ? known
                            : new RelayClientException(RelayClientException.CONNECTION_LOST, String.valueOf(failure),
                            failure));
                }
                return;
            }
            if (answer.errorEnvelopeMayFollow() && hasRefusalWindow()) {
                // The answer does not say why (3.1.1) or not precisely (a bare reason code): the relay's error
                // envelope names the code; wait for it a little.
                scheduleAfter(refusalWindow, () -> {
                    if (awaitingRefusal.remove(id) == null) {
                        return; // the error envelope came
                    }
                    if (current.get() != connection && inOutbox(id)) {
                        // The connection that would have carried the error envelope ended (its copy may be gone):
                        // silence proves nothing, so the envelope goes again (a duplicate of an accepted one is
                        // dropped by the relay, SPEC §10.8).
                        inFlight.remove(id);
                        return;
                    }
                    settle(envelope, answer);
                });
            } else {
                awaitingRefusal.remove(id);
                settle(envelope, answer);
            }
        });
    }

    private void settle(Envelope envelope, PublishAnswer answer) {
        if (answer.isRefused()) {
            refused(envelope, answer.refusal());
            return;
        }
        String id = envelope.id();
        if (outbox != null) {
            outbox.done(id);
        }
        inFlight.remove(id);
        resultOf(id).complete(id);
    }

    /**
     * A final refusal, or one an outbox envelope waits out: a rate limit, or {@code internal} (a relay-side failure
     * the client may retry, SPEC §10.1).
     */
    private void refused(Envelope envelope, Refusal refusal) {
        String id = envelope.id();
        inFlight.remove(id);
        if (inOutbox(id) && ErrorCode.RATE_LIMITED.code().equals(refusal.code())) {
            pauseOutbox(Math.max(1, refusal.retryAfter().orElse(1)), "the relay's rate limit");
            return;
        }
        if (inOutbox(id) && ErrorMapping.INTERNAL.equals(refusal.code())) {
            pauseOutbox(INTERNAL_RETRY_SECONDS, "a relay-side failure (" + refusal.reasonString() + ")");
            return;
        }
        if (outbox != null) {
            outbox.done(id);
        }
        CompletableFuture<String> result = results.get(id);
        if (result == null) { // an outbox entry of an earlier run: no one waits for it, so say it here
            LOG.warn("Relay refused {} from the outbox of an earlier run, dropped: {}", envelope,
                    refusal.reasonString());
            return;
        }
        LOG.debug("Relay refused {}: {}", envelope, refusal.reasonString());
        result.completeExceptionally(RelayClientException.of(refusal));
    }

    /** The outbox sends nothing for {@code seconds}, then goes on with what it holds. */
    private void pauseOutbox(long seconds, String why) {
        if (outbox == null) {
            return;
        }
        long until = System.currentTimeMillis() + seconds * 1000;
        if (until <= flushPausedUntilMillis) {
            return;
        }
        LOG.info("Relay outbox waits {} s before sending again: {}", seconds, why);
        flushPausedUntilMillis = until;
        scheduleAfter(Duration.ofSeconds(seconds), () -> {
            if (flushPausedUntilMillis == until) { // not extended meanwhile (timers may fire a little early)
                flushPausedUntilMillis = 0;
                flush();
            }
        });
    }

    private boolean paused() {
        return flushPausedUntilMillis > System.currentTimeMillis();
    }

    private boolean inOutbox(String id) {
        return outbox != null && outbox.contains(id);
    }

    private boolean hasRefusalWindow() {
        return !refusalWindow.isZero() && !refusalWindow.isNegative();
    }

    private CompletableFuture<String> resultOf(String id) {
        CompletableFuture<String> result = results.get(id);
        return result != null ? result : new CompletableFuture<>(); // an outbox entry of an earlier run
    }

    private void scheduleAfter(Duration delay, Runnable task) {
        try {
            scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("Client closing; not scheduling {}", task);
        }
    }
}
