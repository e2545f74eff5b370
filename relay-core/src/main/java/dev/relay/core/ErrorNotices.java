package dev.relay.core;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a refusal into a {@link PublishOutcome.Reject}: the refused envelope's id when it can be read, and the error
 * envelope to send when the transport cannot carry the code (SPEC §10.2), at most one {@code rate_limited} notice per
 * session per retry window (SPEC §9), so a flood is not answered by a flood. Per session, not per identity: a notice
 * reaches only the session that published, and every session that loses a publish to the limit must learn it.
 */
final class ErrorNotices {
    /** Sessions with a rate_limited notice window remembered at once; past it, ended windows are forgotten. */
    private static final int MAX_WINDOWS = 100_000;

    private final SystemRequests systemRequests;
    private final Clock clock;
    private final Map<String, Long> rateNoticeUntil = new ConcurrentHashMap<>();

    ErrorNotices(SystemRequests systemRequests, Clock clock) {
        this.systemRequests = systemRequests;
        this.clock = clock;
    }

    PublishOutcome.Reject reject(KeyId publisher, PublishFacts facts, byte[] payload, RelayException error,
                                 long retryAfterSeconds) {
        // A rate-limited payload is not examined (SPEC §9); any other names its id when readable (SPEC §3.5.6).
        String envelopeId = error.code() == ErrorCode.RATE_LIMITED || payload == null ? null
                : Envelope.readableId(payload);
        boolean notify = publisher != null && !facts.answerCarriesCode() && firstInWindow(
                facts.session() == null ? publisher.toString() : publisher + " " + facts.session(), error,
                retryAfterSeconds);
        Optional<Envelope> notice = notify
                ? Optional.of(systemRequests.error(publisher, envelopeId, error, retryAfterSeconds)) : Optional.empty();
        return new PublishOutcome.Reject(error, retryAfterSeconds, envelopeId, notice);
    }

    private boolean firstInWindow(String session, RelayException error, long retryAfterSeconds) {
        if (error.code() != ErrorCode.RATE_LIMITED) {
            return true;
        }
        long now = clock.millis();
        if (rateNoticeUntil.size() >= MAX_WINDOWS) {
            rateNoticeUntil.values().removeIf(until -> until <= now);
            if (rateNoticeUntil.size() >= MAX_WINDOWS) {
                rateNoticeUntil.clear(); // bounded memory; at worst one extra notice per session
            }
        }
        long until = now + Math.max(1, retryAfterSeconds) * 1000;
        boolean[] first = {false};
        rateNoticeUntil.compute(session, (key, earlier) -> {
            if (earlier != null && earlier > now) {
                return earlier;
            }
            first[0] = true;
            return until;
        });
        return first[0];
    }
}
